import type { AnyProcedure } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PAGE_DEFAULT, PAGE_MAX } from "../../src/core/pagination";
import { appRouter } from "../../src/root";

/** The object inside a schema wrapped in optional, default or prefault. */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  let inner: unknown = schema;
  while (!(inner instanceof z.ZodObject)) {
    const def = (inner as { _zod?: { def?: { innerType?: unknown } } })._zod?.def;
    if (!def?.innerType) return {};
    inner = def.innerType;
  }
  return inner.shape as Record<string, z.ZodType>;
}

/** The list procedures of the whole router, REST or tRPC only: every `*.list` query. */
function listProcedures() {
  return Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>)
    .filter(([path, procedure]) => path.endsWith(".list") && procedure._def.type === "query")
    .map(([path, procedure]) => {
      const def = procedure._def as typeof procedure._def & { inputs: z.ZodType[]; output?: z.ZodType };
      return { path, inputs: def.inputs, output: def.output };
    });
}

// docs/api-conventions.md, "Answers": the REST side is checked on the document
// (apps/server/test/api-conventions.test.ts); this holds the procedures only tRPC serves to the same rule.
describe("every list procedure, tRPC-only ones included", () => {
  const lists = listProcedures();

  it("walks them all", () => {
    expect(lists.length).toBeGreaterThanOrEqual(20);
  });

  it.each(lists)("$path takes the common cursor and limit and answers { items, nextCursor }", (list) => {
    const input: Record<string, z.ZodType> = Object.assign({}, ...list.inputs.map(shapeOf));
    expect(input.cursor?.safeParse("c").success, "cursor").toBe(true);
    expect(input.limit?.parse(undefined), "limit default").toBe(PAGE_DEFAULT);
    expect(input.limit?.safeParse(PAGE_MAX).success, "limit maximum").toBe(true);
    expect(input.limit?.safeParse(PAGE_MAX + 1).success, "limit maximum").toBe(false);
    expect(list.output, "output").toBeDefined();
    // Data about the whole list may sit beside the page (`knowledge.entries.list` has `total`).
    expect(Object.keys(shapeOf(list.output as z.ZodType))).toEqual(
      expect.arrayContaining(["items", "nextCursor"]),
    );
  });
});
