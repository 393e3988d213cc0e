import { z } from "zod";
import { define } from "./define";

const SYNC_STATS = z.object({
  pages: z.int(),
  documents: z.int(),
  chunks: z.int(),
  tokens: z.int(),
  errors: z.int(),
});

const EXPORT_KIND = z.enum(["conversations", "leads", "feedback", "tickets", "knowledge", "audit", "usage"]);
const EXPORT_FORMAT = z.enum(["csv", "json", "ndjson"]);

const ACTION_RUN = z.object({
  runId: z.uuid(),
  actionId: z.uuid(),
  actionName: z.string(),
  botId: z.uuid().nullable(),
  conversationId: z.uuid().nullable(),
  trigger: z.enum(["api", "test", "llm"]),
  /** The target's HTTP status (http actions that got an answer), else null. */
  httpStatus: z.int().nullable(),
  latencyMs: z.int().nullable(),
});

/** Knowledge sources, actions, exports and erasure. */
export const DATA_EVENTS = {
  "source.synced": define({
    version: 1,
    description: "A knowledge source finished a sync; its documents are searchable.",
    schema: z.object({
      sourceId: z.uuid(),
      botId: z.uuid(),
      syncJobId: z.uuid(),
      stats: SYNC_STATS,
    }),
  }),
  "source.failed": define({
    version: 1,
    description: "A knowledge source's sync failed; the reason is on the sync job.",
    schema: z.object({
      sourceId: z.uuid(),
      botId: z.uuid(),
      syncJobId: z.uuid(),
      error: z.string(),
      stats: SYNC_STATS,
    }),
  }),
  "action.run.completed": define({
    version: 1,
    description:
      "An action ran and succeeded (an HTTP answer below 400, or the mail handed to the mail server). Parameters and output stay on the run.",
    schema: ACTION_RUN,
  }),
  "action.run.failed": define({
    version: 1,
    description: "An action ran and failed (refused, timed out, an HTTP error status, or the mail not sent).",
    schema: ACTION_RUN.extend({ error: z.string() }),
  }),
  "export.completed": define({
    version: 1,
    description:
      "An export job finished; fetch the export (`GET /exports/{exportId}`) for a signed download link.",
    schema: z.object({
      exportId: z.uuid(),
      kind: EXPORT_KIND,
      format: EXPORT_FORMAT,
      rows: z.int(),
      bytes: z.int(),
      /** When the file is deleted. */
      expiresAt: z.iso.datetime(),
    }),
  }),
  "export.failed": define({
    version: 1,
    description:
      "An export job failed for good: every attempt (the first run and its retries) failed or was interrupted, and no file is kept. Create a new export to try again.",
    schema: z.object({
      exportId: z.uuid(),
      kind: EXPORT_KIND,
      format: EXPORT_FORMAT,
      /** The export's `attempts` when it failed (runs started, the one that gave up included). */
      attempts: z.int(),
      /** Why, in words (the export's `error`); never the underlying database or storage message. */
      error: z.string(),
    }),
  }),
  "contact.erased": define({
    version: 1,
    description:
      "A person's data was erased on request (compliance.eraseContact). Carries no personal data: erase your own copies by the ids you hold for `conversationIds` and `leadIds`.",
    schema: z.object({
      erasureId: z.uuid(),
      /** How the person was identified; the identifier itself is never sent. */
      identifiedBy: z.enum(["email", "userId"]),
      conversationIds: z.array(z.uuid()),
      leadIds: z.array(z.uuid()),
    }),
  }),
} as const;
