import { z } from "zod";
import { orgProcedure, router } from "../../core/trpc";
import { contentTypeFor } from "../shared/export-stream";
import {
  AUDIT_EVENT_SCHEMA_ID,
  auditChainVerification,
  auditEventOutput,
  auditExportOutput,
  auditPageOutput,
  exportAuditInput,
  getAuditEventInput,
  listAuditInput,
} from "./schemas";
import { exportAuditEvents, getAuditEvent, listAuditEvents } from "./service";
import { auditStats } from "./stats";
import { auditStatsInput, auditStatsOutput } from "./stats-schemas";
import { verifyAuditChain } from "./verify";

/** Read-only by design: audit events are append-only, so no procedure updates or deletes them. */
export const auditRouter = router({
  list: orgProcedure("audit:read", {
    rest: {
      method: "GET",
      path: "/audit-events",
      summary: "List audit events",
      description:
        "Newest first, filtered by time range, actor, action and resource. Pass `nextCursor` back as `cursor` for the next page.",
      tags: ["audit"],
    },
  })
    .input(listAuditInput)
    .output(auditPageOutput)
    .query(({ ctx, input }) => listAuditEvents(ctx, input)),

  get: orgProcedure("audit:read", {
    rest: {
      method: "GET",
      path: "/audit-events/{eventId}",
      summary: "Get an audit event",
      description: "One event of the org; another org's event answers 404.",
      tags: ["audit"],
    },
  })
    .input(getAuditEventInput)
    .output(z.object({ event: auditEventOutput }))
    .query(({ ctx, input }) => getAuditEvent(ctx, input.eventId)),

  stats: orgProcedure("audit:read", {
    rest: {
      method: "GET",
      path: "/audit-events/stats",
      summary: "Audit event counts",
      description:
        "Counts of the org's events in [`from`, `to`) (at most 366 days): the total, by action, by actor (the 100 most frequent of each) and by UTC day.",
      tags: ["audit"],
    },
  })
    .input(auditStatsInput)
    .output(auditStatsOutput)
    .query(({ ctx, input }) => auditStats(ctx, input)),

  /** Resolves to an async iterable of text chunks (CSV or a JSON array); see `contentTypeFor`. */
  export: orgProcedure("audit:export", {
    rest: {
      method: "GET",
      path: "/audit-events/export",
      summary: "Export audit events",
      description:
        "Streams every matching event, newest first, as CSV (RFC 4180; cells that look like formulas are prefixed with `'`) or as one JSON array.",
      tags: ["audit"],
      stream: {
        formatField: "format",
        contentTypes: { csv: contentTypeFor("csv"), json: contentTypeFor("json") },
        filenamePrefix: "audit-events",
        itemSchemaId: AUDIT_EVENT_SCHEMA_ID,
      },
    },
  })
    .input(exportAuditInput)
    .output(auditExportOutput)
    .query(({ ctx, input }) => exportAuditEvents(ctx, input)),

  verify: orgProcedure("audit:read", {
    rest: {
      method: "GET",
      path: "/audit-events/verify",
      summary: "Verify the audit hash chain",
      description:
        "Recomputes the org's audit hash chain from its oldest remaining event to its head and reports the first broken link (event, kind, expected and found values), or `ok` with the number of events checked. See docs/audit.md.",
      tags: ["audit"],
    },
  })
    .output(auditChainVerification)
    .query(({ ctx }) => verifyAuditChain(ctx.deps.db, ctx.org.orgId)),
});
