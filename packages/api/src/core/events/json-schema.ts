import { z } from "zod";
import { EVENT_CATALOGUE, EVENT_TYPES, type EventType } from "./catalogue";

/** `member.role_changed` → `MemberRoleChangedEvent`: the OpenAPI component of an event's payload. */
export function eventComponentId(type: EventType): string {
  const words = type.split(/[._]/).map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`);
  return `${words.join("")}Event`;
}

export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema (draft 2020-12) of an event's `data`, as delivered: `emitEvent` parses payloads
 * with the catalogue's schema, which drops unknown keys, so every object is `additionalProperties: false`
 * (the output side of the schema).
 */
function payloadSchema(type: EventType): JsonSchema {
  const { $schema: _, ...schema } = z.toJSONSchema(EVENT_CATALOGUE[type].schema, { io: "output" });
  return schema;
}

let payloads: Readonly<Record<string, JsonSchema>> | undefined;

/**
 * Payload schemas keyed by component id: the OpenAPI document's components and the `eventTypes`
 * catalogue both read these, so they are the same by construction.
 */
export function eventPayloadSchemas(): Readonly<Record<string, JsonSchema>> {
  payloads ??= Object.fromEntries(EVENT_TYPES.map((type) => [eventComponentId(type), payloadSchema(type)]));
  return payloads;
}

export interface EventTypeDescription {
  type: EventType;
  version: number;
  description: string;
  /** JSON Schema (draft 2020-12) of the event's `data`. */
  schema: JsonSchema;
}

let described: EventTypeDescription[] | undefined;

/** Every event type with its payload's JSON Schema; computed once, the catalogue is static. */
export function describeEventTypes(): EventTypeDescription[] {
  described ??= EVENT_TYPES.map((type) => ({
    type,
    version: EVENT_CATALOGUE[type].version,
    description: EVENT_CATALOGUE[type].description,
    schema: structuredClone(eventPayloadSchemas()[eventComponentId(type)] ?? {}),
  }));
  return described;
}
