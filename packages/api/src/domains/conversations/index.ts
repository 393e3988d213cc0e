// The conversations domain's public surface: other domains import these from here, never its other files.
export { converse } from "./exchange";
export { upsertFeedback } from "./feedback/service";
export {
  type BotReply,
  type Citation,
  createKnowledgeResponder,
  type Responder,
  type ResponderInput,
} from "./responder";
export { feedbackReason, messageContent, TRANSCRIPT_PAGE_DEFAULT, TRANSCRIPT_PAGE_MAX } from "./schemas";
