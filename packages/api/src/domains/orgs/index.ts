// The orgs domain's public surface: other domains import these from here, never its other files.
export { memberOrgs } from "./service";
