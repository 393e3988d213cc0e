import { SOURCE_KINDS, SOURCE_STATUSES, SYNC_JOB_STATUSES, SYNC_TRIGGERS } from "@kyro/db";
import { z } from "zod";
import { webUrl } from "../../core/formats";
import { pageFields } from "../../core/pagination";
import { multiLine, NOT_BLANK, singleLine, token } from "../../core/text-input";
import { FILE_TYPES } from "./extract";
import { DEFAULT_SOURCE_SETTINGS } from "./settings";

const nameSchema = singleLine()
  .trim()
  .min(1, "Name is required")
  .regex(NOT_BLANK, "Must not be blank")
  .max(200);
const urlSchema = webUrl(2000);
const documentText = multiLine()
  .trim()
  .min(1, "Text must not be empty")
  .regex(NOT_BLANK, "Must not be blank")
  .max(500_000);
const resyncInterval = z
  .int()
  .min(1)
  .max(24 * 30)
  .nullable();

/** What the source is; the kind decides the fields. */
export const sourceConfigInput = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("text"), title: nameSchema.optional(), text: documentText }),
    z.object({
      kind: z.literal("file"),
      fileName: singleLine()
        .trim()
        .min(1)
        .regex(NOT_BLANK, "Must not be blank")
        .max(255)
        .regex(/^[^/\\]+$/, "A file name, without folders"),
      /** The file's bytes, base64; its type is read from the content (PDF, DOCX, HTML, Markdown, text). */
      contentBase64: token()
        .min(1)
        .regex(/^[A-Za-z0-9+/]+={0,2}$/, "Must be base64"),
    }),
    z.object({
      kind: z.literal("url"),
      url: urlSchema,
      /**
       * 0 (default): the page alone; more: a same-site crawl this many links deep. The ceilings are the
       * shipped ingestion limits, so the document states what a deployment accepts.
       */
      maxDepth: z.int().min(0).max(DEFAULT_SOURCE_SETTINGS.maxCrawlDepth).default(0),
      maxPages: z.int().min(1).max(DEFAULT_SOURCE_SETTINGS.maxCrawlPages).default(1),
    }),
    z.object({ kind: z.literal("webhook") }),
  ])
  .meta({ id: "SourceConfigInput" });
export type SourceConfigInput = z.infer<typeof sourceConfigInput>;

export const createSourceInput = z.object({
  botId: z.uuid(),
  name: nameSchema,
  config: sourceConfigInput,
  /** Hours between scheduled re-syncs; null or absent: only manual syncs. Not for webhook sources. */
  resyncIntervalHours: resyncInterval.optional(),
});
export type CreateSourceInput = z.infer<typeof createSourceInput>;

export const sourceTargetInput = z.object({ sourceId: z.uuid() });

export const updateSourceInput = sourceTargetInput
  .extend({
    name: nameSchema.optional(),
    resyncIntervalHours: resyncInterval.optional(),
    /** Text sources: the new text (queues a sync). */
    text: documentText.optional(),
  })
  .refine((input) => Object.keys(input).length > 1, { message: "Give at least one field to change" });
export type UpdateSourceInput = z.infer<typeof updateSourceInput>;

export const listSourcesInput = z.object({ botId: z.uuid().optional(), ...pageFields });
export type ListSourcesInput = z.infer<typeof listSourcesInput>;

export const sourceView = z
  .object({
    id: z.uuid(),
    botId: z.uuid(),
    kind: z.enum(SOURCE_KINDS),
    name: z.string(),
    /** The kind's settings as stored: url and crawl caps, or the file's name, type and size. */
    settings: z.object({
      url: z.string().optional(),
      maxDepth: z.int().optional(),
      maxPages: z.int().optional(),
      fileName: z.string().optional(),
      fileType: z.enum(FILE_TYPES).optional(),
      fileBytes: z.int().optional(),
      title: z.string().optional(),
    }),
    status: z.enum(SOURCE_STATUSES),
    resyncIntervalHours: z.int().nullable(),
    nextSyncAt: z.date().nullable(),
    lastSyncedAt: z.date().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "KnowledgeSource" });
export type SourceView = z.infer<typeof sourceView>;

export const syncStatsView = z
  .object({ pages: z.int(), documents: z.int(), chunks: z.int(), tokens: z.int(), errors: z.int() })
  .meta({ id: "SyncStats" });

export const syncJobView = z
  .object({
    id: z.uuid(),
    sourceId: z.uuid(),
    trigger: z.enum(SYNC_TRIGGERS),
    status: z.enum(SYNC_JOB_STATUSES),
    attempts: z.int(),
    stats: syncStatsView,
    /** Why it failed, in words safe to show. */
    error: z.string().nullable(),
    startedAt: z.date().nullable(),
    finishedAt: z.date().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "SourceSyncJob" });

export const sourceOutput = z
  .object({ source: sourceView, syncJob: syncJobView.nullable() })
  .meta({ id: "KnowledgeSourceResult" });
export const sourceListOutput = z
  .object({ items: z.array(sourceView), nextCursor: z.string().nullable() })
  .meta({ id: "KnowledgeSourcePage" });
export const syncJobOutput = z.object({ syncJob: syncJobView }).meta({ id: "SourceSyncJobResult" });
export const syncJobListOutput = z
  .object({ items: z.array(syncJobView), nextCursor: z.string().nullable() })
  .meta({ id: "SourceSyncJobPage" });
export const listSyncJobsInput = z.object({ sourceId: z.uuid(), ...pageFields });
export const syncJobTargetInput = z.object({ syncJobId: z.uuid() });

export const documentView = z
  .object({
    id: z.uuid(),
    sourceId: z.uuid(),
    botId: z.uuid(),
    externalKey: z.string(),
    title: z.string(),
    url: z.string().nullable(),
    tokens: z.int(),
    chunkCount: z.int(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "KnowledgeDocument" });
export const documentOutput = z.object({ document: documentView }).meta({ id: "KnowledgeDocumentResult" });
export const documentListOutput = z
  .object({ items: z.array(documentView), nextCursor: z.string().nullable() })
  .meta({ id: "KnowledgeDocumentPage" });
export const listDocumentsInput = z.object({ sourceId: z.uuid(), ...pageFields });
export const documentTargetInput = z.object({ documentId: z.uuid() });

export const chunkView = z
  .object({
    id: z.uuid(),
    documentId: z.uuid(),
    sourceId: z.uuid(),
    position: z.int(),
    content: z.string(),
    tokens: z.int(),
  })
  .meta({ id: "KnowledgeChunk" });
/** Chunks come in document order (oldest id first), not newest first. */
export const chunkListOutput = z
  .object({ items: z.array(chunkView), nextCursor: z.string().nullable() })
  .meta({ id: "KnowledgeChunkPage" });
export const listChunksInput = z.object({ documentId: z.uuid(), ...pageFields });

export const pushDocumentsInput = sourceTargetInput.extend({
  /** Each replaces the source's document with the same key, or adds one. */
  documents: z
    .array(
      z.object({
        key: singleLine().trim().min(1).regex(NOT_BLANK, "Must not be blank").max(500),
        title: nameSchema,
        url: urlSchema.optional(),
        text: documentText,
      }),
    )
    .min(1)
    .max(100),
});
export type PushDocumentsInput = z.infer<typeof pushDocumentsInput>;
