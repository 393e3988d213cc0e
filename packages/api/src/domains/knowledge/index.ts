// The knowledge domain's public surface: other domains import these from here, never its other files.
export { ANSWER_THRESHOLD, searchKnowledge } from "./search";
