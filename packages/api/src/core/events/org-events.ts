import { z } from "zod";
import { define } from "./define";

/** Organizations, members, API keys, quotas and webhook endpoints. */
const ROLE = z.enum(["owner", "admin", "agent", "viewer"]);
const QUOTA = z.object({
  quota: z.enum(["requestsPerDay", "messagesPerDay", "botMessagesPerDay"]),
  scope: z.enum(["org", "bot"]),
  botId: z.uuid().nullable(),
  limit: z.int(),
  used: z.int(),
  /** Percentage of the quota reached: 80 or 100. */
  threshold: z.int(),
  /** The UTC day, YYYY-MM-DD. */
  day: z.string(),
});

export const ORG_EVENTS = {
  "org.updated": define({
    version: 1,
    description: "The organization's settings changed.",
    schema: z.object({ orgId: z.uuid(), name: z.string(), changedFields: z.array(z.string()) }),
  }),
  "org.suspended": define({
    version: 1,
    description:
      "A platform operator suspended the organization: its API keys, member sessions and widgets are refused until it is reinstated.",
    schema: z.object({ orgId: z.uuid(), reason: z.string().nullable(), suspendedAt: z.iso.datetime() }),
  }),
  "org.reinstated": define({
    version: 1,
    description: "A platform operator reinstated the suspended organization.",
    schema: z.object({ orgId: z.uuid(), reinstatedAt: z.iso.datetime() }),
  }),
  "member.invited": define({
    version: 1,
    description: "Someone was invited to join the organization.",
    schema: z.object({ invitationId: z.uuid(), email: z.string(), role: ROLE, expiresAt: z.iso.datetime() }),
  }),
  "member.added": define({
    version: 1,
    description: "A user joined the organization.",
    schema: z.object({ userId: z.uuid(), email: z.string(), role: ROLE }),
  }),
  "member.role_changed": define({
    version: 1,
    description: "A member's role changed.",
    schema: z.object({ userId: z.uuid(), email: z.string(), previousRole: ROLE, role: ROLE }),
  }),
  "member.removed": define({
    version: 1,
    description: "A member left or was removed.",
    schema: z.object({ userId: z.uuid(), email: z.string(), role: ROLE }),
  }),
  "api_key.created": define({
    version: 1,
    description: "An API key was created (the secret is never included).",
    schema: z.object({
      keyId: z.uuid(),
      name: z.string(),
      scopes: z.array(z.string()),
      botId: z.uuid().nullable(),
      expiresAt: z.iso.datetime().nullable(),
    }),
  }),
  "api_key.revoked": define({
    version: 1,
    description: "An API key was revoked.",
    schema: z.object({ keyId: z.uuid(), name: z.string() }),
  }),
  "quota.warning": define({
    version: 1,
    description: "A daily quota reached 80 % of its limit (once per quota per UTC day).",
    schema: QUOTA,
  }),
  "quota.exceeded": define({
    version: 1,
    description: "A daily quota reached its limit; further use is refused until 00:00 UTC.",
    schema: QUOTA,
  }),
  "webhook_endpoint.disabled": define({
    version: 1,
    description: "A webhook endpoint was disabled (410 Gone, or five days of failures).",
    schema: z.object({ endpointId: z.uuid(), url: z.string(), reason: z.string() }),
  }),
} as const;
