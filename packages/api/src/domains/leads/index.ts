// The leads domain's public surface: other domains import these from here, never its other files.
export { leadFields } from "./schemas";
export { upsertLead } from "./service";
