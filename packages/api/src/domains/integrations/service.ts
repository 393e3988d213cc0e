import { and, asc, type Executor, eq, integrations, newId } from "@kyro/db";
import { recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { conflict, isUniqueViolation, notFound } from "../../core/errors";
import { assertOutboundUrl } from "../../core/outbound-url";
import { decodeOffset, offsetPageOf, type PageInput } from "../../core/pagination";
import type {
  CreateIntegrationInput,
  IntegrationAuthInput,
  IntegrationTargetInput,
  IntegrationView,
  UpdateIntegrationInput,
} from "./schemas";
import { type IntegrationsContext, last4 } from "./shared";

const RESOURCE = "integration";

/** The columns people may see; the ciphertext is read only by `credentialsOf`. */
const VIEW_COLUMNS = {
  id: integrations.id,
  name: integrations.name,
  baseUrl: integrations.baseUrl,
  authType: integrations.authType,
  authHeaderName: integrations.authHeaderName,
  authUsername: integrations.authUsername,
  secretLast4: integrations.secretLast4,
  health: integrations.health,
  lastTestAt: integrations.lastTestAt,
  lastTestStatus: integrations.lastTestStatus,
  lastTestLatencyMs: integrations.lastTestLatencyMs,
  lastTestError: integrations.lastTestError,
  createdAt: integrations.createdAt,
  updatedAt: integrations.updatedAt,
};

type ViewRow = Pick<typeof integrations.$inferSelect, keyof typeof VIEW_COLUMNS>;

function toView(row: ViewRow): IntegrationView {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    auth: {
      type: row.authType,
      headerName: row.authHeaderName,
      username: row.authUsername,
      secretLast4: row.secretLast4,
    },
    health: {
      status: row.health,
      checkedAt: row.lastTestAt,
      httpStatus: row.lastTestStatus,
      latencyMs: row.lastTestLatencyMs,
      error: row.lastTestError,
    },
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Additional authenticated data of a credential: a ciphertext copied to another row fails to decrypt. */
export const credentialContext = (integrationId: string) => `integration:${integrationId}:credential`;

function secretOf(auth: IntegrationAuthInput): string | null {
  switch (auth.type) {
    case "none":
      return null;
    case "apiKey":
      return auth.key;
    case "bearer":
      return auth.token;
    case "basic":
      return auth.password;
  }
}

function authColumns(deps: AppDeps, integrationId: string, auth: IntegrationAuthInput) {
  const secret = secretOf(auth);
  return {
    authType: auth.type,
    authHeaderName: auth.type === "apiKey" ? auth.headerName : null,
    authUsername: auth.type === "basic" ? auth.username : null,
    secretCiphertext:
      secret === null ? null : deps.encryption.encrypt(secret, credentialContext(integrationId)),
    secretLast4: secret === null ? null : last4(secret),
  };
}

const nameConflict = (name: string) =>
  conflict("name_taken", `An integration named "${name}" already exists`, "name");

export async function selectIntegration(
  db: Executor,
  orgId: string,
  integrationId: string,
): Promise<IntegrationView> {
  const [row] = await db
    .select(VIEW_COLUMNS)
    .from(integrations)
    .where(and(eq(integrations.orgId, orgId), eq(integrations.id, integrationId)))
    .limit(1);
  if (!row) throw notFound("Integration");
  return toView(row);
}

export async function createIntegration(
  ctx: IntegrationsContext,
  input: CreateIntegrationInput,
): Promise<{ integration: IntegrationView }> {
  assertOutboundUrl(ctx.deps, input.baseUrl, "baseUrl");
  const id = newId();
  try {
    return await ctx.deps.db.transaction(async (tx) => {
      await tx.insert(integrations).values({
        id,
        orgId: ctx.org.orgId,
        name: input.name,
        baseUrl: input.baseUrl,
        ...authColumns(ctx.deps, id, input.auth),
      });
      const integration = await selectIntegration(tx, ctx.org.orgId, id);
      await recordAudit(tx, ctx.audit, {
        orgId: ctx.org.orgId,
        action: "integration.create",
        resourceType: RESOURCE,
        resourceId: id,
        after: integration,
      });
      return { integration };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameConflict(input.name);
    throw error;
  }
}

export async function listIntegrations(
  ctx: IntegrationsContext,
  page: PageInput,
): Promise<{ items: IntegrationView[]; nextCursor: string | null }> {
  const rows = await ctx.deps.db
    .select(VIEW_COLUMNS)
    .from(integrations)
    .where(eq(integrations.orgId, ctx.org.orgId))
    .orderBy(asc(integrations.name), asc(integrations.id))
    .limit(page.limit + 1)
    .offset(decodeOffset(page.cursor));
  const { items, nextCursor } = offsetPageOf(rows, page);
  return { items: items.map(toView), nextCursor };
}

export async function getIntegration(
  ctx: IntegrationsContext,
  input: IntegrationTargetInput,
): Promise<{ integration: IntegrationView }> {
  return { integration: await selectIntegration(ctx.deps.db, ctx.org.orgId, input.integrationId) };
}

export async function updateIntegration(
  ctx: IntegrationsContext,
  input: UpdateIntegrationInput,
): Promise<{ integration: IntegrationView }> {
  if (input.baseUrl !== undefined) assertOutboundUrl(ctx.deps, input.baseUrl, "baseUrl");
  const { orgId } = ctx.org;
  try {
    return await ctx.deps.db.transaction(async (tx) => {
      const [locked] = await tx
        .select({ id: integrations.id })
        .from(integrations)
        .where(and(eq(integrations.orgId, orgId), eq(integrations.id, input.integrationId)))
        .for("update");
      if (!locked) throw notFound("Integration");
      const before = await selectIntegration(tx, orgId, input.integrationId);
      const changed = input.baseUrl !== undefined || input.auth !== undefined;
      await tx
        .update(integrations)
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.baseUrl !== undefined ? { baseUrl: input.baseUrl } : {}),
          ...(input.auth !== undefined ? authColumns(ctx.deps, input.integrationId, input.auth) : {}),
          // A new target or credential makes the last test result meaningless.
          ...(changed
            ? {
                health: "unknown",
                lastTestAt: null,
                lastTestStatus: null,
                lastTestLatencyMs: null,
                lastTestError: null,
              }
            : {}),
          updatedAt: new Date(),
        } as const)
        .where(and(eq(integrations.orgId, orgId), eq(integrations.id, input.integrationId)));
      const integration = await selectIntegration(tx, orgId, input.integrationId);
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "integration.update",
        resourceType: RESOURCE,
        resourceId: input.integrationId,
        before,
        after: integration,
      });
      return { integration };
    });
  } catch (error) {
    if (isUniqueViolation(error) && input.name !== undefined) throw nameConflict(input.name);
    throw error;
  }
}
