import type { z } from "zod";
import { CONVERSATION_EVENTS } from "./conversation-events";
import { DATA_EVENTS } from "./data-events";
import { ORG_EVENTS } from "./org-events";

/**
 * The typed event catalogue: every event a tenant can subscribe to, with a versioned payload schema.
 * Payloads are plain JSON (ISO timestamps) and never carry secrets. Add an event to its area's file,
 * before emitting it; bump `version` when a payload changes incompatibly. The events live by area in
 * org-events.ts, conversation-events.ts and data-events.ts; their order here is the documented order.
 */
export const EVENT_CATALOGUE = { ...ORG_EVENTS, ...CONVERSATION_EVENTS, ...DATA_EVENTS } as const;

export type EventType = keyof typeof EVENT_CATALOGUE;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];
export type EventData<Type extends EventType> = z.input<(typeof EVENT_CATALOGUE)[Type]["schema"]>;
