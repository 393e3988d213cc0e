// The auth domain's public surface for other domains (operator governance): import these from here.
export { passwordResetMail, sendInBackground } from "./mails";
export { type RevokeReason, revokeUserSessions } from "./sessions";
export { issueUserToken } from "./user-tokens";
