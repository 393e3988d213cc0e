import { orgProcedure, router } from "../../core/trpc";
import { contentTypeFor } from "../shared/export-stream";
import {
  createLeadInput,
  exportLeadsInput,
  LEAD_SCHEMA_ID,
  leadExportOutput,
  leadIdInput,
  leadPageOutput,
  leadResultOutput,
  leadUpsertOutput,
  listLeadsInput,
} from "./schemas";
import { createLead, exportLeads, getLead, listLeads } from "./service";

const TAGS = ["leads"];

export const leadsRouter = router({
  create: orgProcedure("leads:write", {
    botScope: "input",
    rest: {
      method: "POST",
      path: "/leads",
      summary: "Create or update a lead",
      description:
        "Leads are unique per bot by email (trimmed, lower-cased): a second submission updates the lead and answers `created: false`. Emits `lead.created` for a new lead only.",
      tags: TAGS,
      successStatus: 201,
      location: "/leads/{lead.id}",
    },
  })
    .input(createLeadInput)
    .output(leadUpsertOutput)
    .mutation(async ({ ctx, input }) => {
      const { created, ...lead } = await createLead(ctx, input);
      return { lead, created };
    }),

  list: orgProcedure("leads:read", {
    botScope: "filtered",
    rest: {
      method: "GET",
      path: "/leads",
      summary: "List leads",
      description:
        "Newest first, filtered by bot, creation time and email. Pass `nextCursor` back as `cursor`.",
      tags: TAGS,
    },
  })
    .input(listLeadsInput)
    .output(leadPageOutput)
    .query(({ ctx, input }) => listLeads(ctx, input)),

  get: orgProcedure("leads:read", {
    botScope: "filtered",
    rest: { method: "GET", path: "/leads/{leadId}", summary: "Get a lead", tags: TAGS },
  })
    .input(leadIdInput)
    .output(leadResultOutput)
    .query(async ({ ctx, input }) => ({ lead: await getLead(ctx, input.leadId) })),

  /** Resolves to an async iterable of text chunks (CSV or a JSON array). */
  export: orgProcedure("leads:export", {
    rest: {
      method: "GET",
      path: "/leads/export",
      summary: "Export leads",
      description:
        "Streams every matching lead, newest first, as CSV (RFC 4180; cells that look like formulas are prefixed with `'`) or as one JSON array.",
      tags: TAGS,
      stream: {
        formatField: "format",
        contentTypes: { csv: contentTypeFor("csv"), json: contentTypeFor("json") },
        filenamePrefix: "leads",
        itemSchemaId: LEAD_SCHEMA_ID,
      },
    },
  })
    .input(exportLeadsInput)
    .output(leadExportOutput)
    .query(({ ctx, input }) => exportLeads(ctx, input)),
});
