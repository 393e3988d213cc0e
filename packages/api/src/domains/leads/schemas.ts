import { z } from "zod";
import { emailAddress } from "../../core/formats";
import { pageFields } from "../../core/pagination";
import { NOT_BLANK, singleLine, token } from "../../core/text-input";
import { instant, plainText, rangeIsOrdered, rangeMessage } from "../shared/schemas";

export const LEAD_CUSTOM_FIELDS_MAX = 20;
export const LEAD_SOURCES = ["widget", "api"] as const;
export const LEAD_EXPORT_FORMATS = ["csv", "json"] as const;

/** Trimmed and lower-cased before validation: the stored form is the deduplication key within a bot. */
const email = emailAddress(320, "A valid email address is required");

const phone = singleLine()
  .trim()
  .min(3, "A phone number must have at least 3 characters")
  .max(40, "A phone number must be at most 40 characters")
  .regex(/^\+?[0-9()\-.\s/]+$/, "A phone number may hold digits, spaces, + ( ) - . / only");

const customFields = z
  .record(
    token().regex(
      /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/,
      "Custom field names: a letter, then up to 63 of A-Z a-z 0-9 _ . -",
    ),
    plainText(1_000, "A custom field value", "single"),
  )
  .refine((fields) => Object.keys(fields).length <= LEAD_CUSTOM_FIELDS_MAX, {
    message: `At most ${LEAD_CUSTOM_FIELDS_MAX} custom fields`,
  });

/** What a visitor (or an API caller) submits; a second submission for the same email updates the lead (see `upsertLead`). */
export const leadFields = {
  email,
  name: plainText(200, "A name", "single").optional(),
  phone: phone.optional(),
  customFields: customFields.optional(),
};
export const leadDetails = z.object(leadFields);
export type LeadDetails = z.infer<typeof leadDetails>;

export const createLeadInput = z.object({
  botId: z.uuid(),
  conversationId: z.uuid().optional(),
  ...leadFields,
});
export type CreateLeadInput = z.infer<typeof createLeadInput>;

const filterShape = {
  botId: z.uuid().optional(),
  /** Inclusive lower bound on `createdAt`. */
  from: instant.optional(),
  /** Exclusive upper bound on `createdAt`. */
  to: instant.optional(),
  /** Exact address (compared lower-cased). */
  email: singleLine().trim().toLowerCase().min(1).regex(NOT_BLANK, "Must not be blank").max(320).optional(),
};

export const listLeadsInput = z
  .object({
    ...filterShape,
    /** `cursor` is the previous page's `nextCursor`; `limit` is at most 100 (default 20). */
    ...pageFields,
  })
  .refine(rangeIsOrdered, rangeMessage);
export type ListLeadsInput = z.infer<typeof listLeadsInput>;
export type LeadFilters = Omit<ListLeadsInput, "cursor" | "limit">;

export const exportLeadsInput = z
  .object({ ...filterShape, format: z.enum(LEAD_EXPORT_FORMATS) })
  .refine(rangeIsOrdered, rangeMessage);
export type ExportLeadsInput = z.infer<typeof exportLeadsInput>;

export const leadIdInput = z.object({ leadId: z.uuid() });

export const LEAD_SCHEMA_ID = "Lead";

export const leadOutput = z
  .object({
    id: z.uuid(),
    botId: z.uuid(),
    /** The conversation of the latest submission, when it came from the widget or named one. */
    conversationId: z.uuid().nullable(),
    email: z.string(),
    name: z.string().nullable(),
    phone: z.string().nullable(),
    customFields: z.record(z.string(), z.string()),
    source: z.enum(LEAD_SOURCES),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: LEAD_SCHEMA_ID });
export type LeadOutput = z.infer<typeof leadOutput>;

export const leadResultOutput = z.object({ lead: leadOutput }).meta({ id: "LeadResult" });
export const leadUpsertOutput = z
  .object({
    lead: leadOutput,
    /** False when the email was already a lead of this bot (that lead was updated). */
    created: z.boolean(),
  })
  .meta({ id: "LeadUpsert" });

export const leadPageOutput = z
  .object({ items: z.array(leadOutput), nextCursor: z.string().nullable() })
  .meta({ id: "LeadPage" });

/** tRPC validates the stream's shape only; chunks are text formatted from rows matching `leadOutput`. */
export const leadExportOutput = z.custom<AsyncIterable<string>>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<string>>)[Symbol.asyncIterator] === "function",
  "Expected a stream of text chunks",
);
