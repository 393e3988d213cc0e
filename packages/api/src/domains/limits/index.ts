// The limits domain's public surface: other domains import these from here, never its other files.
export { mergeLimits, orgOverridesQuery } from "./effective";
export { consumeWidgetMessage } from "./quota";
export { botLimitsSchema, limitsReportOutput, orgLimitsSchema } from "./schemas";
export { limitsReport } from "./service";
export { BOT_LIMIT_FIELDS, ORG_LIMIT_FIELDS, type OrgLimitValues } from "./settings";
