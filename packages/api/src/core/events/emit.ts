import { compiledInsert, domainEvents, type Executor, newId } from "@kyro/db";
import { EVENT_CATALOGUE, type EventData, type EventType } from "./catalogue";

export interface EmitEvent<Type extends EventType> {
  orgId: string;
  type: Type;
  data: EventData<Type>;
}

/** An event as recorded, what a fan-out turns into deliveries. */
export interface RecordedEvent {
  id: string;
  orgId: string;
  type: string;
}

/**
 * Hands recorded events on to their subscribers (the webhooks domain's deliveries), inside the events'
 * transaction. Two steps so the lookup can share the event insert's round trip.
 */
export interface EventFanOut<Subscribers = unknown> {
  /** Who wants any of `types` in the org; issued together with the event insert. */
  subscribers(tx: Executor, orgId: string, types: readonly string[]): Promise<Subscribers>;
  /** Queues what the events owe `subscribers`. */
  fanOut(tx: Executor, events: readonly RecordedEvent[], subscribers: Subscribers): Promise<void>;
}

let registeredFanOut: EventFanOut | null = null;

/**
 * Sets the process's fan-out; the wiring module registers the webhooks domain's at start. The events
 * live in the core, their subscribers in a domain, so the domain hands its fan-out in rather than the
 * core reaching out to it. Registering the same fan-out again changes nothing.
 */
export function registerEventFanOut<Subscribers>(fanOut: EventFanOut<Subscribers>): void {
  const candidate = fanOut as EventFanOut;
  if (registeredFanOut !== null && registeredFanOut !== candidate) {
    throw new Error("Another event fan-out is already registered");
  }
  registeredFanOut = candidate;
}

function currentFanOut(): EventFanOut {
  // Emitting without one would commit events whose deliveries nobody queued: fail the transaction instead.
  if (!registeredFanOut) throw new Error("No event fan-out registered; build the deps first (buildDeps)");
  return registeredFanOut;
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
  const fanOut = currentFanOut();
  const [, subscribers] = await Promise.all([
    insertEvents(tx, rows),
    fanOut.subscribers(
      tx,
      first.orgId,
      rows.map((row) => row.type),
    ),
  ]);
  await fanOut.fanOut(tx, rows, subscribers);
  return rows.map((row) => row.id);
}
