// The providers domain's public surface: other domains import these from here, never its other files.
export { describeModelError, type ModelTarget, modelClient } from "./model-client";
export { AI_PAGE_DEFAULT, AI_PAGE_MAX, modelName, pageInput } from "./schemas";
export { modelTargetOf } from "./service";
export { type AiSettings, DEFAULT_AI_SETTINGS } from "./settings";
