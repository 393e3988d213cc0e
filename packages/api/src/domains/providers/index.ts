// The providers domain's public surface: other domains import these from here, never its other files.
export { describeModelError, type ModelTarget, modelClient } from "./model-client";
export { modelTargetOf } from "./model-target";
export { modelName } from "./schemas";
export { type AiSettings, DEFAULT_AI_SETTINGS } from "./settings";
