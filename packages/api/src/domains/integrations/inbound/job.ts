import { and, eq, inboundEvents } from "@kyro/db";
import type { AppDeps } from "../../../core/deps";
import { defineJob } from "../../../core/jobs";

export const INBOUND_PROCESS_JOB = "integrations.inbound.process";

export interface InboundProcessData {
  eventId: string;
}

function mediaType(headers: Record<string, string>): string {
  return headers["content-type"]?.split(";", 1)[0]?.trim().toLowerCase() ?? "";
}

/** Why a body cannot be processed, or null when it parses as its content type says. */
function parseProblem(body: string, headers: Record<string, string>): string | null {
  const type = mediaType(headers);
  // Webhook senders almost always send JSON, and some omit the content type.
  if (type === "" || type === "application/json" || type.endsWith("+json")) {
    try {
      JSON.parse(body);
      return null;
    } catch {
      return "The body is not valid JSON";
    }
  }
  return null;
}

/**
 * Processes one stored inbound event: parses it and records the outcome (processed or failed, with
 * `processed_at` and the error). Only an event still `received` is touched, so a retried job is a no-op.
 */
export async function processInboundEvent(deps: AppDeps, data: InboundProcessData): Promise<void> {
  const [event] = await deps.db
    .select({ body: inboundEvents.body, headers: inboundEvents.headers, status: inboundEvents.status })
    .from(inboundEvents)
    .where(eq(inboundEvents.id, data.eventId))
    .limit(1);
  if (event?.status !== "received") return;
  const problem = parseProblem(event.body, event.headers);
  await deps.db
    .update(inboundEvents)
    .set({ status: problem ? "failed" : "processed", processedAt: new Date(), error: problem })
    .where(and(eq(inboundEvents.id, data.eventId), eq(inboundEvents.status, "received")));
}

export const inboundProcessJob = defineJob<InboundProcessData>({
  name: INBOUND_PROCESS_JOB,
  batchSize: 5,
  handle: processInboundEvent,
});
