import { orgProcedure, router } from "../../trpc";
import { auditExportOutput, auditPageOutput, exportAuditInput, listAuditInput } from "./schemas";
import { exportAuditEvents, listAuditEvents } from "./service";

/** Read-only by design: audit events are append-only, so no procedure updates or deletes them. */
export const auditRouter = router({
  list: orgProcedure("audit:read")
    .input(listAuditInput)
    .output(auditPageOutput)
    .query(({ ctx, input }) => listAuditEvents(ctx, input)),

  /** Resolves to an async iterable of text chunks (CSV or a JSON array); see `contentTypeFor`. */
  export: orgProcedure("audit:export")
    .input(exportAuditInput)
    .output(auditExportOutput)
    .query(({ ctx, input }) => exportAuditEvents(ctx, input)),
});
