import { compiledInsert, domainEvents, type Executor, newId } from "@kyro/db";
import { fanOutEvents, subscribedEndpoints } from "../domains/webhooks/fanout";
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

const insertEvents = compiledInsert(domainEvents, ["id", "orgId", "type", "version", "data", "createdAt"]);

/**
 * Several events of one change. The event insert and the endpoint lookup are issued together (one
 * round trip on Postgres); deliveries are queued only when some endpoint is subscribed.
 */
export async function emitEvents(tx: Executor, events: readonly EmitEvent<EventType>[]): Promise<string[]> {
  const [first] = events;
  if (!first) return [];
  if (events.some((event) => event.orgId !== first.orgId)) {
    throw new Error("emitEvents takes the events of one org");
  }
  const createdAt = new Date();
  const rows = events.map((event) => {
    const definition = EVENT_CATALOGUE[event.type];
    // A payload that does not match its schema is a programming error: fail the transaction, loudly.
    const data = definition.schema.parse(event.data) as Record<string, unknown>;
    return {
      id: newId(),
      orgId: event.orgId,
      type: event.type,
      version: definition.version,
      data,
      createdAt,
    };
  });
  const [, endpoints] = await Promise.all([
    insertEvents(tx, rows),
    subscribedEndpoints(
      tx,
      first.orgId,
      rows.map((row) => row.type),
    ),
  ]);
  await fanOutEvents(tx, rows, endpoints);
  return rows.map((row) => row.id);
}
