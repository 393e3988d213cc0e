import { orgProcedure, publicProcedure, router } from "../../core/trpc";
import {
  createExportInput,
  downloadExportInput,
  exportDownloadOutput,
  exportIdInput,
  exportPageOutput,
  exportResultOutput,
  listExportsInput,
} from "./schemas";
import { createExport, downloadExport, getExport, listExports } from "./service";
import { CONTENT_TYPES } from "./writer";

const TAGS = ["exports"];

export const exportsRouter = router({
  create: orgProcedure("exports:manage", {
    rest: {
      method: "POST",
      path: "/exports",
      summary: "Start an export",
      description:
        "Queues an export job of one kind of data (conversations with their messages, leads, feedback, tickets, knowledge, audit events or usage) as CSV, JSON or NDJSON, filtered by bot and creation time; `pii: hash` or `omit` hashes or leaves out visitor identifiers and emails. The caller also needs the permission that reads that data (e.g. `audit:export` for audit). Poll the export, or subscribe to `export.completed`.",
      tags: TAGS,
      successStatus: 202,
    },
  })
    .input(createExportInput)
    .output(exportResultOutput)
    .mutation(async ({ ctx, input }) => ({ export: await createExport(ctx, input) })),

  list: orgProcedure("exports:manage", {
    rest: {
      method: "GET",
      path: "/exports",
      summary: "List exports",
      description: "Newest first. Pass `nextCursor` back as `cursor`.",
      tags: TAGS,
    },
  })
    .input(listExportsInput)
    .output(exportPageOutput)
    .query(({ ctx, input }) => listExports(ctx, input)),

  get: orgProcedure("exports:manage", {
    rest: {
      method: "GET",
      path: "/exports/{exportId}",
      summary: "Get an export",
      description:
        "Status and progress; once completed, `downloadUrl` is a signed link valid for a few minutes (ask again for a fresh one).",
      tags: TAGS,
    },
  })
    .input(exportIdInput)
    .output(exportResultOutput)
    .query(async ({ ctx, input }) => ({ export: await getExport(ctx, input.exportId) })),

  /** Resolves to an async iterable of the stored file's text. */
  download: publicProcedure({
    rest: {
      method: "GET",
      path: "/exports/{exportId}/download",
      summary: "Download an export file",
      description:
        "The signed link from `downloadUrl`; it needs no other credential. An altered or expired link answers 403 (`invalid_link`); a file already deleted answers 404. Each download is audited (`export.downloaded`, with the client's IP address and user agent).",
      tags: TAGS,
      stream: { formatField: "format", contentTypes: CONTENT_TYPES, filenamePrefix: "export" },
    },
  })
    .input(downloadExportInput)
    .output(exportDownloadOutput)
    .query(({ ctx, input }) => downloadExport(ctx.deps, input, ctx.request)),
});
