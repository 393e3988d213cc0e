import { z } from "zod";
import { EVENT_CATALOGUE, EVENT_TYPES, type EventType } from "./catalogue";

/** `member.role_changed` → `MemberRoleChangedEvent`: the OpenAPI component of an event's payload. */
export function eventComponentId(type: EventType): string {
  const words = type.split(/[._]/).map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`);
  return `${words.join("")}Event`;
}

/** Payload schemas keyed by component id, for the OpenAPI document's components. */
export function eventPayloadComponents(): Record<string, z.ZodObject> {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [eventComponentId(type), EVENT_CATALOGUE[type].schema]),
  );
}

export interface EventTypeDescription {
  type: EventType;
  version: number;
  description: string;
  /** JSON Schema (draft 2020-12) of the event's `data`. */
  schema: Record<string, unknown>;
}

let described: EventTypeDescription[] | undefined;

/** Every event type with its payload's JSON Schema; computed once, the catalogue is static. */
export function describeEventTypes(): EventTypeDescription[] {
  described ??= EVENT_TYPES.map((type) => {
    const definition = EVENT_CATALOGUE[type];
    return {
      type,
      version: definition.version,
      description: definition.description,
      schema: z.toJSONSchema(definition.schema, { io: "input" }) as Record<string, unknown>,
    };
  });
  return described;
}
