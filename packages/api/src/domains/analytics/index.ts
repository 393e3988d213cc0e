// The analytics domain's public surface: other domains and the CLI import these from here.
export { analyticsDrainJob } from "./job";
export { isTimeZone } from "./range";
export { drainAll, drainOrg, rebuild } from "./rollup";
