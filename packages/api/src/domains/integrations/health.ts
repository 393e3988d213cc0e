import { and, type Executor, eq, integrations } from "@kyro/db";
import { checkOutboundUrl, OutboundError } from "@kyro/platform";
import { recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { notFound } from "../../core/errors";
import type { IntegrationTestResult, TestIntegrationInput } from "./schemas";
import { credentialContext, selectIntegration } from "./service";
import type { IntegrationsContext } from "./shared";

/** A health check should answer fast; a slow one counts as failing rather than holding the request. */
const TEST_TIMEOUT_MS = 10_000;
const TEST_MAX_RESPONSE_BYTES = 4_096;

interface StoredAuth {
  id: string;
  baseUrl: string;
  authType: "none" | "apiKey" | "bearer" | "basic";
  authHeaderName: string | null;
  authUsername: string | null;
  secretCiphertext: string | null;
}

/** The integration's URL and stored auth (credential still encrypted); undefined when the org has no such integration. */
export async function selectStoredAuth(
  db: Executor,
  orgId: string,
  integrationId: string,
): Promise<StoredAuth | undefined> {
  const [stored] = await db
    .select({
      id: integrations.id,
      baseUrl: integrations.baseUrl,
      authType: integrations.authType,
      authHeaderName: integrations.authHeaderName,
      authUsername: integrations.authUsername,
      secretCiphertext: integrations.secretCiphertext,
    })
    .from(integrations)
    .where(and(eq(integrations.orgId, orgId), eq(integrations.id, integrationId)))
    .limit(1);
  return stored;
}

/** The request headers that authenticate to the integration, with the credential decrypted here only. */
export function authHeaders(deps: AppDeps, stored: StoredAuth): Record<string, string> {
  if (stored.authType === "none" || stored.secretCiphertext === null) return {};
  const secret = deps.encryption.decrypt(stored.secretCiphertext, credentialContext(stored.id));
  switch (stored.authType) {
    case "apiKey":
      return { [stored.authHeaderName ?? "x-api-key"]: secret };
    case "bearer":
      return { authorization: `Bearer ${secret}` };
    case "basic":
      return {
        authorization: `Basic ${Buffer.from(`${stored.authUsername ?? ""}:${secret}`).toString("base64")}`,
      };
  }
}

/**
 * `path` is appended to the base URL's path as text, after its origin: whatever it holds (`//host`,
 * `\\host`, `@host`), the request stays on the integration's own host.
 */
export function testUrl(baseUrl: string, path: string | undefined): string {
  if (!path) return baseUrl;
  const base = new URL(baseUrl);
  return `${base.origin}${base.pathname.replace(/\/$/, "")}${path}`;
}

interface Outcome {
  ok: boolean;
  httpStatus: number | null;
  latencyMs: number;
  error: string | null;
}

async function probe(deps: AppDeps, url: string, headers: Record<string, string>): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await deps.outbound.send({
      url,
      method: "GET",
      headers: { accept: "application/json, */*", "user-agent": "Kyro-Integrations/1", ...headers },
      timeoutMs: TEST_TIMEOUT_MS,
      maxResponseBytes: TEST_MAX_RESPONSE_BYTES,
    });
    // Redirects are not followed; a 3xx still proves the service is up and answering.
    const ok = response.status < 400;
    return {
      ok,
      httpStatus: response.status,
      latencyMs: response.durationMs,
      error: ok ? null : `HTTP ${response.status}`,
    };
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    return {
      ok: false,
      httpStatus: null,
      latencyMs: Math.round(performance.now() - started),
      error: `${error.kind}: ${error.message}`.slice(0, 500),
    };
  }
}

/**
 * Sends one GET through the SSRF guard with the integration's auth applied and records the outcome
 * (status, latency, error) on the integration. The request runs outside any transaction.
 */
export async function testIntegration(
  ctx: IntegrationsContext,
  input: TestIntegrationInput,
): Promise<IntegrationTestResult> {
  const { orgId } = ctx.org;
  const stored = await selectStoredAuth(ctx.deps.db, orgId, input.integrationId);
  if (!stored) throw notFound("Integration");
  const url = testUrl(stored.baseUrl, input.path);
  // The stored URL passed this check when saved, but the allow-list may have changed since; a refusal
  // is a test result like any other, recorded on the integration.
  const check = checkOutboundUrl(url, ctx.deps.settings.outboundAllowCidrs);
  const outcome = check.ok
    ? await probe(ctx.deps, url, authHeaders(ctx.deps, stored))
    : { ok: false, httpStatus: null, latencyMs: 0, error: `refused: ${check.reason}` };

  return ctx.deps.db.transaction(async (tx) => {
    const updated = await tx
      .update(integrations)
      .set({
        health: outcome.ok ? "healthy" : "failing",
        lastTestAt: new Date(),
        lastTestStatus: outcome.httpStatus,
        lastTestLatencyMs: outcome.latencyMs,
        lastTestError: outcome.error,
      })
      .where(and(eq(integrations.orgId, orgId), eq(integrations.id, input.integrationId)))
      .returning({ id: integrations.id });
    // Deleted while the request was in flight.
    if (updated.length === 0) throw notFound("Integration");
    const integration = await selectIntegration(tx, orgId, input.integrationId);
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "integration.test",
      resourceType: "integration",
      resourceId: input.integrationId,
      after: { url, ...outcome },
    });
    return { integration, result: outcome };
  });
}
