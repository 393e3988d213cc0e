import { z } from "zod";
import { token } from "../../core/text-input";
import { modelName, pageInput } from "../providers/index";
import { instant, rangeIsOrdered, rangeMessage } from "../shared/schemas";

/** Money: a decimal string of US dollars with six places, e.g. `"0.001250"`. */
const usd = z.string().regex(/^-?\d+\.\d{6}$/);

export const usageSummaryInput = z
  .object({
    botId: z.uuid().optional(),
    /** Inclusive start; default: 30 days ago. */
    from: instant.optional(),
    /** Exclusive end; default: now. */
    to: instant.optional(),
  })
  .refine(rangeIsOrdered, rangeMessage);
export type UsageSummaryInput = z.infer<typeof usageSummaryInput>;

const totals = {
  calls: z.int(),
  inputTokens: z.int(),
  outputTokens: z.int(),
  costUsd: usd,
};

export const usageSummaryOutput = z
  .object({
    summary: z.object({
      from: z.date(),
      to: z.date(),
      ...totals,
      byModel: z.array(z.object({ model: z.string(), ...totals })),
      byBot: z.array(z.object({ botId: z.uuid().nullable(), ...totals })),
    }),
  })
  .meta({ id: "UsageSummary" });

export const usageDailyInput = z.object({ botId: z.uuid().optional(), ...pageInput });
export type UsageDailyInput = z.infer<typeof usageDailyInput>;

export const usageDailyOutput = z
  .object({
    items: z.array(
      z.object({
        id: z.uuid(),
        /** The UTC day, YYYY-MM-DD. */
        day: z.string(),
        /** Null: requests that targeted no bot. */
        botId: z.uuid().nullable(),
        requests: z.int(),
        messages: z.int(),
        inputTokens: z.int(),
        outputTokens: z.int(),
        costUsd: usd,
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "UsageDailyPage" });

const pricePerMillion = token().regex(
  /^\d{1,6}(\.\d{1,6})?$/,
  "A price in US dollars per million tokens, at most six decimals",
);

export const setPricingInput = z.object({
  model: modelName,
  /** US dollars per million input tokens, e.g. `"0.150000"`. */
  inputUsdPerMillion: pricePerMillion,
  outputUsdPerMillion: pricePerMillion,
});
export type SetPricingInput = z.infer<typeof setPricingInput>;

const priceView = z
  .object({
    model: z.string(),
    inputUsdPerMillion: usd,
    outputUsdPerMillion: usd,
    updatedAt: z.date(),
  })
  .meta({ id: "ModelPrice" });
export const pricingOutput = z.object({ price: priceView }).meta({ id: "ModelPriceResult" });
export const pricingListInput = z.object(pageInput);
export const pricingListOutput = z
  .object({ items: z.array(priceView), nextCursor: z.string().nullable() })
  .meta({ id: "ModelPricePage" });
