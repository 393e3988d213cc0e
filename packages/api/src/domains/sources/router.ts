import { z } from "zod";
import { orgProcedure, type ProcedureOptions, router } from "../../core/trpc";
import { pushDocuments } from "./push-service";
import { getDocument, getSyncJob, listChunks, listDocuments, listSyncJobs } from "./read-service";
import {
  chunkListOutput,
  createSourceInput,
  documentListOutput,
  documentOutput,
  documentTargetInput,
  listChunksInput,
  listDocumentsInput,
  listSourcesInput,
  listSyncJobsInput,
  pushDocumentsInput,
  sourceListOutput,
  sourceOutput,
  sourceTargetInput,
  syncJobListOutput,
  syncJobOutput,
  syncJobTargetInput,
  updateSourceInput,
} from "./schemas";
import { createSource, deleteSource, getSource, listSources, syncSource, updateSource } from "./service";

const read = (options?: ProcedureOptions) => orgProcedure("ai:read", options);
const manage = (options?: ProcedureOptions) => orgProcedure("ai:manage", options);
const TAGS = ["sources"] as const;
const BY_ID = "/sources/{sourceId}";

/** Knowledge sources of a bot (text, uploaded files, web pages and crawls, pushed documents) and their syncs. */
export const sourcesRouter = router({
  create: manage({
    rest: {
      method: "POST",
      path: "/sources",
      summary: "Add a knowledge source to a bot",
      description:
        "`text`, `file` (base64; PDF, DOCX, HTML, Markdown or plain text, the type read from the content), `url` (a page, or a same-site crawl with depth and page caps, robots.txt honoured) or `webhook` (documents pushed later). A sync job is queued at once (not for webhook sources).",
      tags: TAGS,
      successStatus: 201,
      location: "/sources/{source.id}",
      unprocessable: ["unsupported_type"],
    },
  })
    .input(createSourceInput)
    .output(sourceOutput)
    .mutation(({ ctx, input }) => createSource(ctx, input)),

  list: read({ rest: { method: "GET", path: "/sources", summary: "List knowledge sources", tags: TAGS } })
    .input(listSourcesInput)
    .output(sourceListOutput)
    .query(({ ctx, input }) => listSources(ctx, input)),

  get: read({
    rest: {
      method: "GET",
      path: BY_ID,
      summary: "Get a knowledge source and its latest sync job",
      tags: TAGS,
    },
  })
    .input(sourceTargetInput)
    .output(sourceOutput)
    .query(({ ctx, input }) => getSource(ctx, input.sourceId)),

  update: manage({ rest: { method: "PATCH", path: BY_ID, summary: "Change a knowledge source", tags: TAGS } })
    .input(updateSourceInput)
    .output(sourceOutput)
    .mutation(({ ctx, input }) => updateSource(ctx, input)),

  delete: manage({
    rest: {
      method: "DELETE",
      path: BY_ID,
      summary: "Delete a knowledge source",
      tags: TAGS,
      successStatus: 204,
    },
  })
    .input(sourceTargetInput)
    .output(z.void())
    .mutation(({ ctx, input }) => deleteSource(ctx, input.sourceId)),

  sync: manage({
    rest: {
      method: "POST",
      path: `${BY_ID}/sync`,
      summary: "Re-sync a knowledge source now",
      tags: TAGS,
      successStatus: 201,
      location: "/sync-jobs/{syncJob.id}",
    },
  })
    .input(sourceTargetInput)
    .output(syncJobOutput)
    .mutation(({ ctx, input }) => syncSource(ctx, input.sourceId)),

  syncJobs: router({
    list: read({
      rest: { method: "GET", path: `${BY_ID}/sync-jobs`, summary: "List a source's sync jobs", tags: TAGS },
    })
      .input(listSyncJobsInput)
      .output(syncJobListOutput)
      .query(({ ctx, input }) => listSyncJobs(ctx, input)),
    get: read({
      rest: { method: "GET", path: "/sync-jobs/{syncJobId}", summary: "Get a sync job", tags: TAGS },
    })
      .input(syncJobTargetInput)
      .output(syncJobOutput)
      .query(({ ctx, input }) => getSyncJob(ctx, input.syncJobId)),
  }),

  documents: router({
    list: read({
      rest: { method: "GET", path: `${BY_ID}/documents`, summary: "List a source's documents", tags: TAGS },
    })
      .input(listDocumentsInput)
      .output(documentListOutput)
      .query(({ ctx, input }) => listDocuments(ctx, input)),
    get: read({
      rest: { method: "GET", path: "/documents/{documentId}", summary: "Get a document", tags: TAGS },
    })
      .input(documentTargetInput)
      .output(documentOutput)
      .query(({ ctx, input }) => getDocument(ctx, input.documentId)),
    push: manage({
      rest: {
        method: "POST",
        path: `${BY_ID}/documents`,
        summary: "Push documents to a webhook source",
        description:
          "Adds or replaces documents by key (at most 100 per call) and indexes them at once; recorded as a `push` sync job with a `source.synced` event.",
        tags: TAGS,
        successStatus: 201,
        location: "/sync-jobs/{syncJob.id}",
        conflicts: ["not_webhook_source"],
      },
    })
      .input(pushDocumentsInput)
      .output(syncJobOutput)
      .mutation(({ ctx, input }) => pushDocuments(ctx, input)),
  }),

  chunks: router({
    list: read({
      rest: {
        method: "GET",
        path: "/documents/{documentId}/chunks",
        summary: "List a document's chunks",
        description: "In document order (not newest first).",
        tags: TAGS,
      },
    })
      .input(listChunksInput)
      .output(chunkListOutput)
      .query(({ ctx, input }) => listChunks(ctx, input)),
  }),
});
