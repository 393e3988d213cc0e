// The ai domain's public surface: other domains import these from here, never its other files.
export { createAnswerResponder } from "./responder";
export { type Passage, retrievePassages } from "./retrieval";
