import { randomBytes } from "node:crypto";
import { and, desc, type Executor, eq, inboundEndpoints, inboundEvents, lt, newId } from "@kyro/db";
import { recordAudit } from "../../../core/audit-log";
import { conflict, invalidField, isUniqueViolation, notFound } from "../../../core/errors";
import { decodeCursor, type PageInput, pageOf } from "../../../core/pagination";
import type { IntegrationsContext } from "../shared";
import {
  type CreateInboundInput,
  type InboundEndpointView,
  type InboundEndpointWithSecret,
  type InboundEventView,
  type ListInboundEventsInput,
  type RotateInboundSecretInput,
  STANDARD_WEBHOOKS_SECRET,
  STANDARD_WEBHOOKS_SECRET_MESSAGE,
} from "./schemas";

const RESOURCE = "inbound_endpoint";
export const HOOKS_PATH = "/api/v1/hooks";

/** Additional authenticated data of an endpoint's secret. */
export const inboundSecretContext = (endpointId: string) => `inbound-endpoint:${endpointId}:secret`;

/** `whsec_` + base64 works for every profile: Standard Webhooks needs it, the others take any string. */
export const generateInboundSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

const VIEW_COLUMNS = {
  id: inboundEndpoints.id,
  name: inboundEndpoints.name,
  slug: inboundEndpoints.slug,
  profile: inboundEndpoints.profile,
  secretLast4: inboundEndpoints.secretLast4,
  toleranceSeconds: inboundEndpoints.toleranceSeconds,
  hmacHeader: inboundEndpoints.hmacHeader,
  hmacEncoding: inboundEndpoints.hmacEncoding,
  deliveryIdHeader: inboundEndpoints.deliveryIdHeader,
  createdAt: inboundEndpoints.createdAt,
  updatedAt: inboundEndpoints.updatedAt,
};

async function selectEndpoint(db: Executor, orgId: string, endpointId: string): Promise<InboundEndpointView> {
  const [row] = await db
    .select(VIEW_COLUMNS)
    .from(inboundEndpoints)
    .where(and(eq(inboundEndpoints.orgId, orgId), eq(inboundEndpoints.id, endpointId)))
    .limit(1);
  if (!row) throw notFound("Inbound endpoint");
  return { ...row, path: `${HOOKS_PATH}/${row.slug}` };
}

export async function createInboundEndpoint(
  ctx: IntegrationsContext,
  input: CreateInboundInput,
): Promise<InboundEndpointWithSecret> {
  const id = newId();
  const secret = input.secret ?? generateInboundSecret();
  const slug = input.slug ?? randomBytes(10).toString("hex");
  try {
    return await ctx.deps.db.transaction(async (tx) => {
      await tx.insert(inboundEndpoints).values({
        id,
        orgId: ctx.org.orgId,
        name: input.name,
        slug,
        profile: input.profile,
        secretCiphertext: ctx.deps.encryption.encrypt(secret, inboundSecretContext(id)),
        secretLast4: secret.slice(-4),
        toleranceSeconds: input.toleranceSeconds,
        hmacHeader: input.hmacHeader ?? null,
        hmacEncoding: input.hmacEncoding ?? null,
        deliveryIdHeader: input.deliveryIdHeader ?? null,
      });
      const endpoint = await selectEndpoint(tx, ctx.org.orgId, id);
      await recordAudit(tx, ctx.audit, {
        orgId: ctx.org.orgId,
        action: "inbound_endpoint.create",
        resourceType: RESOURCE,
        resourceId: id,
        after: endpoint,
      });
      return { endpoint, secret };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict("slug_taken", `The slug "${slug}" is taken`, "slug");
    }
    throw error;
  }
}

export async function listInboundEndpoints(
  ctx: IntegrationsContext,
  page: PageInput,
): Promise<{ items: InboundEndpointView[]; nextCursor: string | null }> {
  const rows = await ctx.deps.db
    .select(VIEW_COLUMNS)
    .from(inboundEndpoints)
    .where(
      and(
        eq(inboundEndpoints.orgId, ctx.org.orgId),
        page.cursor ? lt(inboundEndpoints.id, decodeCursor(page.cursor)) : undefined,
      ),
    )
    .orderBy(desc(inboundEndpoints.id))
    .limit(page.limit + 1);
  const { items, nextCursor } = pageOf(rows, page.limit);
  return { items: items.map((row) => ({ ...row, path: `${HOOKS_PATH}/${row.slug}` })), nextCursor };
}

/** Replaces the secret at once: deliveries signed with the old one are refused from the commit on. */
export async function rotateInboundSecret(
  ctx: IntegrationsContext,
  input: RotateInboundSecretInput,
): Promise<InboundEndpointWithSecret> {
  const { orgId } = ctx.org;
  if (input.secret !== undefined) {
    const [current] = await ctx.deps.db
      .select({ profile: inboundEndpoints.profile })
      .from(inboundEndpoints)
      .where(and(eq(inboundEndpoints.orgId, orgId), eq(inboundEndpoints.id, input.endpointId)));
    if (current?.profile === "standard-webhooks" && !STANDARD_WEBHOOKS_SECRET.test(input.secret)) {
      throw invalidField("secret", STANDARD_WEBHOOKS_SECRET_MESSAGE);
    }
  }
  const secret = input.secret ?? generateInboundSecret();
  return ctx.deps.db.transaction(async (tx) => {
    const updated = await tx
      .update(inboundEndpoints)
      .set({
        secretCiphertext: ctx.deps.encryption.encrypt(secret, inboundSecretContext(input.endpointId)),
        secretLast4: secret.slice(-4),
        updatedAt: new Date(),
      })
      .where(and(eq(inboundEndpoints.orgId, orgId), eq(inboundEndpoints.id, input.endpointId)))
      .returning({ id: inboundEndpoints.id });
    if (updated.length === 0) throw notFound("Inbound endpoint");
    const endpoint = await selectEndpoint(tx, orgId, input.endpointId);
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "inbound_endpoint.rotate_secret",
      resourceType: RESOURCE,
      resourceId: input.endpointId,
    });
    return { endpoint, secret };
  });
}

export async function listInboundEvents(
  ctx: IntegrationsContext,
  input: ListInboundEventsInput,
): Promise<{ items: InboundEventView[]; nextCursor: string | null }> {
  const { orgId } = ctx.org;
  // Another org's endpoint id answers 404 rather than an empty page.
  await selectEndpoint(ctx.deps.db, orgId, input.endpointId);
  const beforeId = input.cursor ? decodeCursor(input.cursor) : null;
  const rows = await ctx.deps.db
    .select({
      id: inboundEvents.id,
      endpointId: inboundEvents.endpointId,
      deliveryId: inboundEvents.deliveryId,
      eventType: inboundEvents.eventType,
      headers: inboundEvents.headers,
      body: inboundEvents.body,
      status: inboundEvents.status,
      receivedAt: inboundEvents.receivedAt,
      processedAt: inboundEvents.processedAt,
      error: inboundEvents.error,
    })
    .from(inboundEvents)
    .where(
      and(
        eq(inboundEvents.orgId, orgId),
        eq(inboundEvents.endpointId, input.endpointId),
        input.status ? eq(inboundEvents.status, input.status) : undefined,
        beforeId ? lt(inboundEvents.id, beforeId) : undefined,
      ),
    )
    .orderBy(desc(inboundEvents.id))
    .limit(input.limit + 1);
  return pageOf(rows, input.limit);
}
