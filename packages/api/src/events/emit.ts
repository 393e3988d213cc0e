import { domainEvents, type Executor } from "@kyro/db";
import { fanOutEvent } from "../domains/webhooks/fanout";
import { EVENT_CATALOGUE, type EventData, type EventType } from "./catalogue";

export interface EmitEvent<Type extends EventType> {
  orgId: string;
  type: Type;
  data: EventData<Type>;
}

/**
 * Records a domain event and queues its webhook deliveries. Call it with the transaction that makes the
 * change, next to `recordAudit`: the event and its deliveries commit or roll back with the change, so
 * an event is never lost and never sent for a change that did not happen. Returns the event id (the
 * stable `webhook-id` of its deliveries).
 */
export async function emitEvent<Type extends EventType>(
  tx: Executor,
  event: EmitEvent<Type>,
): Promise<string> {
  const definition = EVENT_CATALOGUE[event.type];
  // A payload that does not match its schema is a programming error: fail the transaction, loudly.
  const data = definition.schema.parse(event.data) as Record<string, unknown>;
  const [row] = await tx
    .insert(domainEvents)
    .values({ orgId: event.orgId, type: event.type, version: definition.version, data })
    .returning({ id: domainEvents.id });
  if (!row) throw new Error("domain event insert returned no row");
  await fanOutEvent(tx, { id: row.id, orgId: event.orgId, type: event.type });
  return row.id;
}
