// The escalations domain's public surface: other domains import these from here, never its other files.
export {
  assertAssignable,
  assignOwnership,
  type ConversationOwnership,
  lockOwnership,
  releaseOwnership,
} from "./handoff";
export { type EscalateInput, escalate, openTicket } from "./open";
