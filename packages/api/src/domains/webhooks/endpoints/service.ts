import { and, desc, type Executor, eq, lt, newId, webhookEndpoints } from "@kyro/db";
import { type AuditScope, recordAudit } from "../../../core/audit-log";
import type { AppDeps } from "../../../core/deps";
import { invalidField, notFound } from "../../../core/errors";
import type { OrgScope } from "../../../core/org-scope";
import { assertOutboundUrl } from "../../../core/outbound-url";
import { decodeCursor, type PageInput, pageOf } from "../../../core/pagination";
import {
  type CreateEndpointInput,
  type EndpointTargetInput,
  type EndpointView,
  MASKED_HEADER_VALUE,
  type UpdateEndpointInput,
} from "../schemas";
import { newWebhookSecret } from "../signing";

export interface WebhooksContext {
  deps: AppDeps;
  audit: AuditScope;
  org: OrgScope;
}

const RESOURCE = "webhook_endpoint";
/** After a rotation the replaced secret still signs for this long, so receivers can switch over. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 60 * 60 * 1000;

/** Authenticated context of an endpoint's ciphertexts: a secret copied to another row fails to decrypt. */
export const secretContext = (endpointId: string) => `webhook_endpoint:${endpointId}`;

/** An endpoint as stored, custom header values in plain text: for delivery, never for an answer. */
type EndpointRow = EndpointView;

const MASK = "••••";
/** Values shorter than this are masked whole: their last 4 characters would give too much away. */
const SHOWN_TAIL_MIN_LENGTH = 16;

/** Header values may be credentials (an API key the receiver checks): answers show only a hint. */
export function maskHeaderValue(value: string): string {
  return value.length >= SHOWN_TAIL_MIN_LENGTH ? `${MASK}${value.slice(-4)}` : MASK;
}

/** The endpoint as answers show it: custom header values masked. */
function present(row: EndpointRow): EndpointView {
  const headers = Object.fromEntries(
    Object.entries(row.headers).map(([name, value]) => [name, maskHeaderValue(value)]),
  );
  return { ...row, headers };
}

/**
 * The headers to store from the ones given (they replace the stored set). A value sent back exactly
 * as it was shown (masked) keeps the stored value, so a client can edit one header of what `get`
 * returned; a masked value with nothing to keep is refused rather than stored as the value.
 */
function headersToStore(given: Record<string, string>, stored: Record<string, string> = {}) {
  return Object.fromEntries(
    Object.entries(given).map(([name, value]) => {
      if (!MASKED_HEADER_VALUE.test(value)) return [name, value];
      const current = stored[name];
      if (current !== undefined && value === maskHeaderValue(current)) return [name, current];
      const reason = `\`${name}\`: a masked value only keeps the value stored for that header; give the value itself`;
      throw invalidField(`headers.${name}`, `headers: ${reason}`);
    }),
  );
}

/** The columns an API caller may see (header values only through `present`): never the secrets. */
export const endpointColumns = {
  id: webhookEndpoints.id,
  url: webhookEndpoints.url,
  description: webhookEndpoints.description,
  eventTypes: webhookEndpoints.eventTypes,
  enabled: webhookEndpoints.enabled,
  disabledReason: webhookEndpoints.disabledReason,
  headers: webhookEndpoints.headers,
  rateLimitPerSecond: webhookEndpoints.rateLimitPerSecond,
  previousSecretExpiresAt: webhookEndpoints.previousSecretExpiresAt,
  failingSince: webhookEndpoints.failingSince,
  createdAt: webhookEndpoints.createdAt,
  updatedAt: webhookEndpoints.updatedAt,
};

/** The endpoint of this org, locked for a change; another org's id answers NOT_FOUND. */
export async function findEndpoint(
  db: Executor,
  orgId: string,
  endpointId: string,
  lock = false,
): Promise<EndpointRow> {
  const query = db
    .select(endpointColumns)
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.orgId, orgId)));
  const [row] = lock ? await query.for("update") : await query;
  if (!row) throw notFound("Webhook endpoint");
  return row;
}

/** What the audit log keeps of an endpoint (header values may hold credentials: names only). */
function auditView(
  endpoint: Pick<EndpointView, "url" | "eventTypes" | "enabled" | "headers" | "rateLimitPerSecond">,
) {
  return {
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    enabled: endpoint.enabled,
    headerNames: Object.keys(endpoint.headers),
    rateLimitPerSecond: endpoint.rateLimitPerSecond,
  };
}

export async function createEndpoint(
  ctx: WebhooksContext,
  input: CreateEndpointInput,
): Promise<{ endpoint: EndpointView; secret: string }> {
  assertOutboundUrl(ctx.deps, input.url, "url");
  const { orgId } = ctx.org;
  const id = newId();
  const secret = newWebhookSecret();
  return ctx.deps.db.transaction(async (tx) => {
    const [endpoint] = await tx
      .insert(webhookEndpoints)
      .values({
        id,
        orgId,
        url: input.url,
        description: input.description,
        eventTypes: input.eventTypes,
        enabled: input.enabled,
        headers: headersToStore(input.headers),
        rateLimitPerSecond: input.rateLimitPerSecond,
        secret: ctx.deps.encryption.encrypt(secret, secretContext(id)),
      })
      .returning(endpointColumns);
    if (!endpoint) throw new Error("webhook endpoint insert returned no row");
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "webhook_endpoint.created",
      resourceType: RESOURCE,
      resourceId: id,
      after: auditView(endpoint),
    });
    return { endpoint: present(endpoint), secret };
  });
}

export async function listEndpoints(
  ctx: { deps: AppDeps; org: OrgScope },
  page: PageInput,
): Promise<{ items: EndpointView[]; nextCursor: string | null }> {
  const rows = await ctx.deps.db
    .select(endpointColumns)
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.orgId, ctx.org.orgId),
        page.cursor ? lt(webhookEndpoints.id, decodeCursor(page.cursor)) : undefined,
      ),
    )
    .orderBy(desc(webhookEndpoints.id))
    .limit(page.limit + 1);
  const { items, nextCursor } = pageOf(rows, page.limit);
  return { items: items.map(present), nextCursor };
}

export async function getEndpoint(
  ctx: { deps: AppDeps; org: OrgScope },
  input: EndpointTargetInput,
): Promise<{ endpoint: EndpointView }> {
  return { endpoint: present(await findEndpoint(ctx.deps.db, ctx.org.orgId, input.endpointId)) };
}

type EndpointChange = Partial<typeof webhookEndpoints.$inferInsert>;

async function changeEndpoint(
  ctx: WebhooksContext,
  endpointId: string,
  action: string,
  change: (current: EndpointRow) => EndpointChange | null,
): Promise<{ endpoint: EndpointView }> {
  const { orgId } = ctx.org;
  return ctx.deps.db.transaction(async (tx) => {
    const current = await findEndpoint(tx, orgId, endpointId, true);
    const values = change(current);
    if (!values) return { endpoint: present(current) };
    const [endpoint] = await tx
      .update(webhookEndpoints)
      .set(values)
      .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.orgId, orgId)))
      .returning(endpointColumns);
    if (!endpoint) throw notFound("Webhook endpoint");
    await recordAudit(tx, ctx.audit, {
      orgId,
      action,
      resourceType: RESOURCE,
      resourceId: endpointId,
      before: auditView(current),
      after: auditView(endpoint),
    });
    return { endpoint: present(endpoint) };
  });
}

export function updateEndpoint(ctx: WebhooksContext, input: UpdateEndpointInput) {
  if (input.url !== undefined) assertOutboundUrl(ctx.deps, input.url, "url");
  const { endpointId, ...fields } = input;
  return changeEndpoint(ctx, endpointId, "webhook_endpoint.updated", (current) => ({
    ...fields,
    ...(fields.headers ? { headers: headersToStore(fields.headers, current.headers) } : {}),
    // Re-enabling by hand clears what the system recorded when it disabled the endpoint.
    ...(fields.enabled ? { disabledReason: null, failingSince: null } : {}),
  }));
}

/** Enabling an enabled endpoint (or disabling a disabled one) changes nothing and is not audited. */
export function setEndpointEnabled(ctx: WebhooksContext, input: EndpointTargetInput, enabled: boolean) {
  return changeEndpoint(
    ctx,
    input.endpointId,
    enabled ? "webhook_endpoint.enabled" : "webhook_endpoint.disabled",
    (current) =>
      current.enabled === enabled
        ? null
        : { enabled, disabledReason: null, ...(enabled ? { failingSince: null } : {}) },
  );
}

/** New secret at once; the previous one keeps signing (a second signature) for 24 hours. */
export async function rotateEndpointSecret(
  ctx: WebhooksContext,
  input: EndpointTargetInput,
): Promise<{ endpoint: EndpointView; secret: string }> {
  const { orgId } = ctx.org;
  const secret = newWebhookSecret();
  return ctx.deps.db.transaction(async (tx) => {
    const [current] = await tx
      .select({ id: webhookEndpoints.id, secret: webhookEndpoints.secret })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, input.endpointId), eq(webhookEndpoints.orgId, orgId)))
      .for("update");
    if (!current) throw notFound("Webhook endpoint");
    const previousSecretExpiresAt = new Date(Date.now() + PREVIOUS_SECRET_TTL_MS);
    const [endpoint] = await tx
      .update(webhookEndpoints)
      .set({
        secret: ctx.deps.encryption.encrypt(secret, secretContext(current.id)),
        previousSecret: current.secret,
        previousSecretExpiresAt,
      })
      .where(and(eq(webhookEndpoints.id, current.id), eq(webhookEndpoints.orgId, ctx.org.orgId)))
      .returning(endpointColumns);
    if (!endpoint) throw notFound("Webhook endpoint");
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "webhook_endpoint.secret_rotated",
      resourceType: RESOURCE,
      resourceId: current.id,
      after: { previousSecretExpiresAt },
    });
    return { endpoint: present(endpoint), secret };
  });
}

/** Deletes the endpoint with its delivery log; pending attempts find it gone and stop. */
export async function deleteEndpoint(ctx: WebhooksContext, input: EndpointTargetInput): Promise<void> {
  const { orgId } = ctx.org;
  return ctx.deps.db.transaction(async (tx) => {
    const current = await findEndpoint(tx, orgId, input.endpointId, true);
    await tx
      .delete(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, current.id), eq(webhookEndpoints.orgId, orgId)));
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "webhook_endpoint.deleted",
      resourceType: RESOURCE,
      resourceId: current.id,
      before: auditView(current),
    });
  });
}
