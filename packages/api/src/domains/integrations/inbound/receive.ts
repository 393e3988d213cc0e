import { and, eq, inboundEndpoints, inboundEvents, or, sql } from "@kyro/db";
import type { AppDeps } from "../../../core/deps";
import { AppError, unprocessable } from "../../../core/errors";
import { INBOUND_PROCESS_JOB } from "./job";
import { INBOUND_MAX_BODY_BYTES, type InboundReceipt } from "./schemas";
import { inboundSecretContext } from "./service";
import { type InboundHeaders, keptHeaders, verifyInbound } from "./verify";

export interface InboundDelivery {
  slug: string;
  /** The body exactly as received; null when the call did not come over REST. */
  rawBody: Uint8Array | null;
  headers: InboundHeaders;
}

const verificationFailed = () =>
  new AppError(
    "UNAUTHORIZED",
    "Webhook verification failed: unknown endpoint, bad signature or stale timestamp",
  );

// ignoreBOM keeps a leading BOM, so the stored text is exactly the bytes that were signed.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Bodies are stored as text; Postgres text holds neither NUL nor invalid UTF-8. */
function bodyText(raw: Buffer): string {
  try {
    const text = utf8.decode(raw);
    if (!text.includes("\u0000")) return text;
  } catch {
    // Falls through to the same refusal as a NUL byte.
  }
  throw unprocessable("not_utf8", "The body must be UTF-8 text");
}

/**
 * Verifies a delivery against the endpoint's profile, stores it once per sender delivery id and once
 * per signed content, and enqueues its processing in the same transaction. A redelivery (same delivery
 * id) or a replay (same signed bytes under any delivery id) answers success and stores nothing.
 * Nothing is stored unless the signature (and timestamp, where signed) is valid.
 */
export async function receiveInbound(deps: AppDeps, delivery: InboundDelivery): Promise<InboundReceipt> {
  if (delivery.rawBody === null) {
    throw new AppError(
      "BAD_REQUEST",
      "Inbound webhooks are accepted over REST only: POST /api/v1/hooks/{slug}",
    );
  }
  // A view, not a copy: the server hands over a Buffer already.
  const raw = Buffer.from(delivery.rawBody.buffer, delivery.rawBody.byteOffset, delivery.rawBody.byteLength);
  if (raw.length > INBOUND_MAX_BODY_BYTES) {
    throw new AppError("PAYLOAD_TOO_LARGE", `Request body exceeds ${INBOUND_MAX_BODY_BYTES} bytes`, {
      limitBytes: INBOUND_MAX_BODY_BYTES,
    });
  }
  const [endpoint] = await deps.db
    .select({
      id: inboundEndpoints.id,
      orgId: inboundEndpoints.orgId,
      profile: inboundEndpoints.profile,
      secretCiphertext: inboundEndpoints.secretCiphertext,
      toleranceSeconds: inboundEndpoints.toleranceSeconds,
      hmacHeader: inboundEndpoints.hmacHeader,
      hmacEncoding: inboundEndpoints.hmacEncoding,
      deliveryIdHeader: inboundEndpoints.deliveryIdHeader,
    })
    .from(inboundEndpoints)
    .where(eq(inboundEndpoints.slug, delivery.slug))
    .limit(1);
  // An unknown slug answers exactly like a bad signature, so slugs cannot be probed.
  if (!endpoint) throw verificationFailed();
  const { secretCiphertext, ...profile } = endpoint;
  const secret = deps.encryption.decrypt(secretCiphertext, inboundSecretContext(endpoint.id));
  const verdict = verifyInbound({ ...profile, secret }, delivery.headers, raw);
  if (!verdict.ok) {
    // The precise reason goes to the log only; the sender learns nothing that tells slugs apart.
    deps.logger.info({ endpointId: endpoint.id, reason: verdict.message }, "inbound webhook refused");
    throw verificationFailed();
  }
  const body = bodyText(raw);

  return deps.db.transaction(async (tx) => {
    const [stored] = await tx
      .insert(inboundEvents)
      .values({
        orgId: endpoint.orgId,
        endpointId: endpoint.id,
        deliveryId: verdict.deliveryId,
        signedDigest: verdict.signedDigest,
        eventType: verdict.eventType,
        headers: keptHeaders(delivery.headers, endpoint.deliveryIdHeader),
        body,
      })
      // No target: a conflict on either unique key (delivery id or signed digest) is a duplicate.
      .onConflictDoNothing()
      .returning({ id: inboundEvents.id });
    if (stored) {
      await deps.jobs.enqueue(tx, INBOUND_PROCESS_JOB, { eventId: stored.id });
      return { eventId: stored.id, duplicate: false };
    }
    // Both keys may match different rows; the one holding these signed bytes is the original.
    const [existing] = await tx
      .select({ id: inboundEvents.id })
      .from(inboundEvents)
      .where(
        and(
          eq(inboundEvents.endpointId, endpoint.id),
          or(
            eq(inboundEvents.signedDigest, verdict.signedDigest),
            eq(inboundEvents.deliveryId, verdict.deliveryId),
          ),
        ),
      )
      .orderBy(sql`${inboundEvents.signedDigest} = ${verdict.signedDigest} desc nulls last`)
      .limit(1);
    if (!existing) throw new Error("An inbound event conflicted but cannot be found");
    return { eventId: existing.id, duplicate: true };
  });
}
