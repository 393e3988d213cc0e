import { domainEvents, type Executor, newId } from "@kyro/db";
import { fanOutEvents } from "../domains/webhooks/fanout";
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
  const [id] = await emitEvents(tx, [event]);
  if (!id) throw new Error("domain event insert returned no row");
  return id;
}

/**
 * Several events of one change in two round trips (one insert, one endpoint lookup) instead of two
 * each: the widget stores a visitor message and the bot's reply together on its hot path.
 */
export async function emitEvents(tx: Executor, events: readonly EmitEvent<EventType>[]): Promise<string[]> {
  if (events.length === 0) return [];
  if (new Set(events.map((event) => event.orgId)).size > 1) {
    throw new Error("emitEvents takes the events of one org");
  }
  const rows = events.map((event) => {
    const definition = EVENT_CATALOGUE[event.type];
    // A payload that does not match its schema is a programming error: fail the transaction, loudly.
    const data = definition.schema.parse(event.data) as Record<string, unknown>;
    return { id: newId(), orgId: event.orgId, type: event.type, version: definition.version, data };
  });
  await tx.insert(domainEvents).values(rows);
  await fanOutEvents(
    tx,
    rows.map(({ id, orgId, type }) => ({ id, orgId, type })),
  );
  return rows.map((row) => row.id);
}
