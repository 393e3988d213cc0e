import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { bots, tsvector } from "./bots";
import { createdAt, id, updatedAt } from "./columns";
import { conversations } from "./conversations";
import { organizations } from "./organizations";
import { users } from "./users";

/** PGlite hands bytea back as a Uint8Array, the postgres driver as a Buffer: one type for both. */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => Buffer.from(value),
});

/**
 * An org's OpenAI-compatible model provider. The API key is stored only as `key_ciphertext`
 * (AES-256-GCM, the row id as additional data), like integration credentials; `key_last4` is shown.
 * At most one provider per org is the default, the one bots use unless their config names another.
 */
export const aiProviders = pgTable(
  "ai_providers",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    baseUrl: text().notNull(),
    keyCiphertext: text().notNull(),
    keyLast4: text().notNull(),
    chatModel: text().notNull(),
    /** Null: the provider has no embeddings model configured (retrieval stays lexical). */
    embeddingModel: text(),
    isDefault: boolean().notNull().default(false),
    lastTestAt: timestamp({ withTimezone: true }),
    lastTestError: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("ai_providers_org_name_key").on(t.orgId, t.name),
    uniqueIndex("ai_providers_org_default_key").on(t.orgId).where(sql`${t.isDefault}`),
  ],
);

export const SOURCE_KINDS = ["text", "file", "url", "webhook"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export const SOURCE_STATUSES = ["pending", "syncing", "ready", "failed"] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

/**
 * Where a bot's documents come from. `settings` holds the kind's options (url, crawl caps, file name and
 * type); an uploaded file's bytes stay in `file_content` until a sync has extracted them.
 */
export const knowledgeSources = pgTable(
  "knowledge_sources",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    kind: text().$type<SourceKind>().notNull(),
    name: text().notNull(),
    settings: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    fileContent: bytea(),
    status: text().$type<SourceStatus>().notNull().default("pending"),
    /** Null: no scheduled re-sync. */
    resyncIntervalHours: integer(),
    nextSyncAt: timestamp({ withTimezone: true }),
    lastSyncedAt: timestamp({ withTimezone: true }),
    lastError: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("knowledge_sources_org_idx").on(t.orgId, t.id),
    index("knowledge_sources_org_bot_idx").on(t.orgId, t.botId, t.id),
    index("knowledge_sources_next_sync_idx").on(t.nextSyncAt).where(sql`${t.nextSyncAt} is not null`),
    check("knowledge_sources_kind_check", sql`${t.kind} in ('text', 'file', 'url', 'webhook')`),
    check("knowledge_sources_status_check", sql`${t.status} in ('pending', 'syncing', 'ready', 'failed')`),
  ],
);

/** One page, file or pushed text of a source; `external_key` (URL, file name, push key) is unique per source. */
export const knowledgeDocuments = pgTable(
  "knowledge_documents",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    sourceId: uuid()
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: "cascade" }),
    externalKey: text().notNull(),
    title: text().notNull(),
    url: text(),
    contentHash: text().notNull(),
    tokens: integer().notNull(),
    chunkCount: integer().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("knowledge_documents_source_key").on(t.sourceId, t.externalKey),
    index("knowledge_documents_org_source_idx").on(t.orgId, t.sourceId, t.id),
  ],
);

/** Retrieval units: token-bounded, overlapping slices of a document, indexed for full-text search. */
export const knowledgeChunks = pgTable(
  "knowledge_chunks",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    sourceId: uuid()
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: "cascade" }),
    documentId: uuid()
      .notNull()
      .references(() => knowledgeDocuments.id, { onDelete: "cascade" }),
    position: integer().notNull(),
    content: text().notNull(),
    tokens: integer().notNull(),
    search: tsvector().notNull().generatedAlwaysAs(sql`to_tsvector('english', content)`),
    createdAt: createdAt(),
  },
  (t) => [
    index("knowledge_chunks_document_idx").on(t.documentId, t.position),
    index("knowledge_chunks_org_source_idx").on(t.orgId, t.sourceId, t.id),
    // btree_gin: a bot's search reads only its own postings (as knowledge_entries does).
    index("knowledge_chunks_bot_search_idx").using("gin", t.botId, t.search),
  ],
);

export const SYNC_JOB_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type SyncJobStatus = (typeof SYNC_JOB_STATUSES)[number];
export const SYNC_TRIGGERS = ["created", "manual", "scheduled", "push"] as const;
export type SyncTrigger = (typeof SYNC_TRIGGERS)[number];

export interface SyncStats {
  pages: number;
  documents: number;
  chunks: number;
  tokens: number;
  errors: number;
}

/** One run of a source's sync: queued in the change's transaction, run by the worker, reaped if stuck. */
export const sourceSyncJobs = pgTable(
  "source_sync_jobs",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    sourceId: uuid()
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: "cascade" }),
    trigger: text().$type<SyncTrigger>().notNull(),
    status: text().$type<SyncJobStatus>().notNull().default("queued"),
    attempts: integer().notNull().default(0),
    stats: jsonb()
      .$type<SyncStats>()
      .notNull()
      .default({ pages: 0, documents: 0, chunks: 0, tokens: 0, errors: 0 }),
    error: text(),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index("source_sync_jobs_org_source_idx").on(t.orgId, t.sourceId, t.id),
    index("source_sync_jobs_running_idx").on(t.startedAt).where(sql`${t.status} = 'running'`),
    check("source_sync_jobs_status_check", sql`${t.status} in ('queued', 'running', 'succeeded', 'failed')`),
    check("source_sync_jobs_trigger_check", sql`${t.trigger} in ('created', 'manual', 'scheduled', 'push')`),
  ],
);

export const USAGE_KINDS = ["chat", "embedding"] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

/**
 * One row per model call, written in the transaction that stores what the call produced. Cost is in
 * millionths of a US dollar (six decimals exactly), priced from `model_pricing` at the time of the call.
 * Bots and conversations are not foreign keys: usage outlives a purged bot.
 */
export const usageEvents = pgTable(
  "usage_events",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid(),
    conversationId: uuid().references(() => conversations.id, { onDelete: "set null" }),
    messageId: uuid(),
    userId: uuid().references(() => users.id, { onDelete: "set null" }),
    endUserId: text(),
    /** The API key the call was made with; not a foreign key, so usage outlives a deleted key. */
    apiKeyId: uuid(),
    providerId: uuid().references(() => aiProviders.id, { onDelete: "set null" }),
    model: text().notNull(),
    kind: text().$type<UsageKind>().notNull(),
    inputTokens: integer().notNull(),
    outputTokens: integer().notNull(),
    costMicros: bigint({ mode: "number" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("usage_events_org_created_idx").on(t.orgId, t.createdAt),
    // Keyset pages in id (time) order: exports.
    index("usage_events_org_id_idx").on(t.orgId, t.id),
    check("usage_events_kind_check", sql`${t.kind} in ('chat', 'embedding')`),
  ],
);

/**
 * Prices per model, in millionths of a US dollar per million tokens, edited by platform operators.
 * A model without a row costs nothing (tokens are still counted).
 */
export const modelPricing = pgTable("model_pricing", {
  model: text().primaryKey(),
  inputMicrosPerMillion: bigint({ mode: "number" }).notNull(),
  outputMicrosPerMillion: bigint({ mode: "number" }).notNull(),
  updatedBy: uuid().references(() => users.id, { onDelete: "set null" }),
  updatedAt: updatedAt(),
});
