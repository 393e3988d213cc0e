import type { ActionRunOutput, EmailActionConfig, HttpActionConfig } from "@kyro/db";
import { checkOutboundUrl, OutboundError } from "@kyro/platform";
import type { AppDeps } from "../../core/deps";
import { integrationCredentials } from "../integrations/index";
import { headerValue, render } from "./templates";

/** A run should answer within a conversation turn; a slower target counts as failing. */
export const RUN_TIMEOUT_MS = 10_000;
/** What is kept of a target's answer (the run's `output.body`). */
export const OUTPUT_MAX_BYTES = 16_384;

const MASK = "[redacted]";

/** What an action needs to run, as stored. */
export interface RunnableAction {
  id: string;
  orgId: string;
  name: string;
  http: HttpActionConfig | null;
  email: EmailActionConfig | null;
  integrationId: string | null;
}

export interface RunOutcome {
  ok: boolean;
  output: ActionRunOutput | null;
  error: string | null;
  latencyMs: number;
}

/** A credential echoed back by the target (or named in an error) never reaches a run's record. */
function masked(text: string, secret: string | null): string {
  return secret && secret.length >= 4 ? text.split(secret).join(MASK) : text;
}

const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

async function runHttp(
  deps: AppDeps,
  action: RunnableAction,
  config: HttpActionConfig,
  input: Record<string, unknown>,
): Promise<RunOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = render(config.urlTemplate, input, encodeURIComponent);
  // The saved template passed this check, but the allow-list may have changed since.
  const check = checkOutboundUrl(url, deps.settings.outboundAllowCidrs);
  if (!check.ok) return { ok: false, output: null, error: `refused: ${check.reason}`, latencyMs: 0 };
  const credentials = action.integrationId
    ? await integrationCredentials(deps, action.orgId, action.integrationId)
    : { headers: {}, secret: null };
  if (!credentials) {
    return { ok: false, output: null, error: "The action's integration no longer exists", latencyMs: 0 };
  }
  const headers: Record<string, string> = { "user-agent": "Kyro-Actions/1", accept: "application/json, */*" };
  for (const [name, template] of Object.entries(config.headerTemplates)) {
    headers[name.toLowerCase()] = headerValue(render(template, input));
  }
  // The integration's auth is applied last, so no template can override or read it.
  Object.assign(headers, credentials.headers);
  const withBody = WITH_BODY.has(config.method);
  if (withBody) headers["content-type"] = "application/json";
  try {
    const response = await deps.outbound.send({
      url,
      method: config.method,
      headers,
      body: withBody ? JSON.stringify(input) : undefined,
      timeoutMs: RUN_TIMEOUT_MS,
      maxResponseBytes: OUTPUT_MAX_BYTES,
    });
    const ok = response.status < 400;
    return {
      ok,
      output: {
        httpStatus: response.status,
        body: masked(response.body.toString("utf8"), credentials.secret),
        truncated: response.truncated,
      },
      error: ok ? null : `HTTP ${response.status}`,
      latencyMs: response.durationMs,
    };
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    const message = masked(`${error.kind}: ${error.message}`, credentials.secret).slice(0, 500);
    return { ok: false, output: null, error: message, latencyMs: elapsed() };
  }
}

async function runEmail(
  deps: AppDeps,
  config: EmailActionConfig,
  input: Record<string, unknown>,
): Promise<RunOutcome> {
  const started = performance.now();
  const subject = headerValue(render(config.subjectTemplate, input));
  const text = render(config.bodyTemplate, input);
  try {
    for (const to of config.recipients) await deps.mailer.send({ to, subject, text });
  } catch (error) {
    deps.logger.warn({ err: error }, "action email failed");
    return {
      ok: false,
      output: null,
      error: "The mail could not be sent",
      latencyMs: Math.round(performance.now() - started),
    };
  }
  return {
    ok: true,
    output: { recipients: config.recipients },
    error: null,
    latencyMs: Math.round(performance.now() - started),
  };
}

/** Performs the action once with validated parameters; failures of the target are outcomes, not throws. */
export function executeAction(
  deps: AppDeps,
  action: RunnableAction,
  input: Record<string, unknown>,
): Promise<RunOutcome> {
  if (action.http) return runHttp(deps, action, action.http, input);
  if (action.email) return runEmail(deps, action.email, input);
  throw new Error(`action ${action.id} has no configuration`);
}
