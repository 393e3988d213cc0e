import { orgProcedure, router } from "../../core/trpc";
import { contactExportOutput, contactInput, erasureReceiptOutput } from "./schemas";
import { eraseContact, exportContact } from "./service";

const TAGS = ["compliance"];
/** The input's refinement, declared: exactly one identifier (both, or neither, answers 400). */
const ONE_IDENTIFIER = { oneOf: [{ required: ["email"] }, { required: ["userId"] }] };

export const complianceRouter = router({
  eraseContact: orgProcedure("compliance:manage", {
    rest: {
      method: "POST",
      path: "/compliance/erasures",
      summary: "Erase a person's data",
      description:
        "Deletes, in one transaction, the conversations (with messages and feedback), leads, escalation tickets and action runs of the person named by `email` or widget `userId`, and the events that carried them; usage rows lose the person. Answers a receipt with counts; emits `contact.erased` (ids only, no personal data). Audited as `contact.erased` without the identifier.",
      tags: TAGS,
      successStatus: 201,
      bodyRules: ONE_IDENTIFIER,
    },
  })
    .input(contactInput)
    .output(erasureReceiptOutput)
    .mutation(async ({ ctx, input }) => ({ receipt: await eraseContact(ctx, input) })),

  exportContact: orgProcedure("compliance:manage", {
    rest: {
      method: "POST",
      path: "/compliance/contact-exports",
      summary: "Export a person's data",
      description:
        "Everything held about the person named by `email` or widget `userId` as one JSON document (subject access). POST so the identifier stays out of URLs and logs. Audited as `contact.exported`.",
      tags: TAGS,
      bodyRules: ONE_IDENTIFIER,
    },
  })
    .input(contactInput)
    .output(contactExportOutput)
    .mutation(({ ctx, input }) => exportContact(ctx, input)),
});
