// The conversations domain's public surface: other domains import these from here, never its other files.
export { converse } from "./exchange";
export { upsertFeedback } from "./feedback/service";
export { createKnowledgeResponder, type Responder } from "./responder";
export { feedbackReason, messageContent } from "./schemas";
