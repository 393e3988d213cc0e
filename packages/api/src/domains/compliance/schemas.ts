import { z } from "zod";
import { emailAddress } from "../../core/formats";
import { singleLine } from "../../core/text-input";

/** Leads store emails trimmed and lower-cased, so the lookup does the same (the declared email pattern). */
const email = emailAddress(320, "A valid email address is required");

/** One identifier: the email a person left as a lead, or the `userId` the widget verified. */
export const contactInput = z
  .object({
    email: email.optional(),
    userId: singleLine().min(1).max(256, "A userId must be at most 256 characters").optional(),
  })
  .refine((input) => (input.email === undefined) !== (input.userId === undefined), {
    message: "Give exactly one of email and userId",
  });
export type ContactInput = z.infer<typeof contactInput>;

const count = z.int().min(0);

export const erasureReceiptOutput = z.object({
  receipt: z.object({
    erasureId: z.uuid(),
    identifiedBy: z.enum(["email", "userId"]),
    erasedAt: z.date(),
    /** Rows deleted (or, for usage, stripped of the person) per kind of data. */
    counts: z.object({
      conversations: count,
      messages: count,
      feedback: count,
      leads: count,
      tickets: count,
      actionRuns: count,
      events: count,
      usageEventsAnonymized: count,
    }),
  }),
});
export type ErasureReceipt = z.infer<typeof erasureReceiptOutput>["receipt"];

const rows = z.array(z.record(z.string(), z.unknown()));

/** Everything held about the person; rows carry their stored columns (timestamps as ISO strings). */
export const contactExportOutput = z.object({
  contact: z.object({ email: z.string().nullable(), userId: z.string().nullable() }),
  generatedAt: z.date(),
  leads: rows,
  conversations: rows,
  messages: rows,
  feedback: rows,
  tickets: rows,
  ticketEvents: rows,
  actionRuns: rows,
  usageEvents: rows,
});
export type ContactExport = z.infer<typeof contactExportOutput>;
