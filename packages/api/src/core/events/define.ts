import type { z } from "zod";

/** One event of the catalogue: its payload schema, versioned. */
export interface EventDefinition<Schema extends z.ZodObject = z.ZodObject> {
  version: number;
  description: string;
  schema: Schema;
}

export const define = <Schema extends z.ZodObject>(definition: EventDefinition<Schema>) => definition;
