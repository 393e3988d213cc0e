import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldReaders, readQuery } from "../src/http/query";

const input = z.object({
  limit: z.number().int().min(1).default(50),
  ratio: z.number().optional(),
  archived: z.boolean().optional(),
  name: z.string().optional(),
  status: z.enum(["open", "closed"]).optional(),
  ids: z.array(z.uuid()).optional(),
  pages: z.array(z.number().int()).optional(),
  since: z.union([z.date(), z.iso.datetime({ offset: true })]).optional(),
  code: z.union([z.string(), z.number()]).optional(),
  flag: z.boolean().nullable().optional(),
  named: z.object({ a: z.string() }).meta({ id: "CoercionTestNamed" }).optional(),
  count: z.number().int().meta({ id: "CoercionTestCount" }).optional(),
});
const readers = fieldReaders(input);

const read = (query: string) => readQuery(new URLSearchParams(query), readers);

describe("query coercion by the input's JSON Schema types", () => {
  it("turns integer and number fields into numbers", () => {
    expect(read("limit=10&ratio=0.25").values).toEqual({ limit: 10, ratio: 0.25 });
    expect(read("limit=-3&ratio=1e3").values).toEqual({ limit: -3, ratio: 1000 });
    expect(read("count=7").values).toEqual({ count: 7 });
  });

  it("leaves anything that is not a finite decimal as text, for validation to refuse", () => {
    for (const text of ["abc", "", " 10", "10 ", "0x10", "Infinity", "NaN", "1e999", "1,5", "10abc"]) {
      expect(read(`limit=${encodeURIComponent(text)}`).values, text).toEqual({ limit: text });
    }
    const parsed = input.safeParse(read("limit=abc").values);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["limit"]);
  });

  it("reads booleans only from the words true and false, never by truthiness", () => {
    expect(read("archived=true").values).toEqual({ archived: true });
    expect(read("archived=false").values).toEqual({ archived: false });
    expect(read("flag=false").values).toEqual({ flag: false });
    for (const text of ["1", "0", "yes", "", "TRUE", "False", "on"]) {
      expect(read(`archived=${text}`).values, text).toEqual({ archived: text });
      expect(input.safeParse(read(`archived=${text}`).values).success, text).toBe(false);
    }
  });

  it("keeps strings, enums, dates and unions that accept text as the text sent", () => {
    const since = "2025-01-02T03:04:05Z";
    expect(read(`name=123&status=open&since=${since}&code=42`).values).toEqual({
      name: "123",
      status: "open",
      since,
      code: "42",
    });
    expect(input.safeParse(read(`since=${since}`).values).success).toBe(true);
  });

  it("builds arrays from repeated keys, coercing each item", () => {
    const a = "0190a8e2-0000-7000-8000-000000000001";
    const b = "0190a8e2-0000-7000-8000-000000000002";
    expect(read(`ids=${a}&ids=${b}`).values).toEqual({ ids: [a, b] });
    expect(read(`ids=${a}`).values).toEqual({ ids: [a] });
    expect(read("pages=1&pages=2&pages=x").values).toEqual({ pages: [1, 2, "x"] });
  });

  it("passes a scalar given twice on as an array, so validation refuses it", () => {
    expect(read("limit=1&limit=2").values).toEqual({ limit: [1, 2] });
    expect(input.safeParse(read("limit=1&limit=2").values).success).toBe(false);
  });

  it("reports names the input does not have", () => {
    expect(read("limt=10&name=x&extra=1")).toEqual({ values: { name: "x" }, unknown: ["limt", "extra"] });
  });

  it("does not coerce a field whose schema is an object (it can only fail validation)", () => {
    expect(read("named=x").values).toEqual({ named: "x" });
  });
});
