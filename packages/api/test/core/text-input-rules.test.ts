import type { AnyProcedure } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createOpenApiDocument } from "../../src/core/openapi/document";
import { loadRouter } from "../../src/core/openapi/procedures";
import {
  MULTI_LINE_TEXT,
  multiLine,
  SINGLE_LINE_TEXT,
  STORABLE_TEXT,
  singleLine,
  TOKEN_TEXT,
  text,
  token,
} from "../../src/core/text-input";
import { appRouter } from "../../src/root";
import { SAFE_STRING_FORMATS, unruledStrings } from "../text-input-walker";

async function procedureInputs(): Promise<{ path: string; inputs: unknown[] }[]> {
  await loadRouter(appRouter);
  return Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).map(
    ([path, procedure]) => ({ path, inputs: procedure._def.inputs }),
  );
}

describe("every procedure input", () => {
  it("gives every string the text rule (or a format that refuses the same characters)", async () => {
    const procedures = await procedureInputs();
    expect(procedures.length).toBeGreaterThan(50);
    const problems = procedures.flatMap(({ path, inputs }) =>
      inputs.flatMap((input) => unruledStrings(input, path)),
    );
    expect(problems).toEqual([]);
  });

  it("is walked deep enough to find a bare string anywhere", () => {
    // Free-form JSON is declared recursively; the walker expands it once.
    const bareJson: z.ZodType = z.lazy(() =>
      z.union([z.string(), z.number(), z.null(), z.array(bareJson), z.record(z.string(), bareJson)]),
    );
    const ruledJson: z.ZodType = z.lazy(() =>
      z.union([text(), z.number(), z.null(), z.array(ruledJson), z.record(text(), ruledJson)]),
    );
    const bare = z.object({
      name: z.string(),
      tags: z.array(z.string()).optional(),
      labels: z.record(z.string(), singleLine()),
      values: z.record(singleLine(), z.string()),
      link: z.url(),
      either: z.union([z.int(), z.string().trim()]),
      nested: z.object({ deep: z.lazy(() => z.string().nullable()) }).default({ deep: null }),
      anything: z.unknown(),
      email: z.string().pipe(z.email()),
      lowered: z.string().transform((value) => value.toLowerCase()),
      json: bareJson,
    });
    expect(unruledStrings(bare)).toEqual([
      "input.name: string without a text rule",
      "input.tags[]: string without a text rule",
      "input.labels{key}: string without a text rule",
      "input.values{value}: string without a text rule",
      "input.link: url string without a text rule",
      "input.either|1: string without a text rule",
      "input.nested.deep: string without a text rule",
      "input.anything: unknown value the text rule cannot see into",
      "input.email: string without a text rule",
      "input.lowered: string without a text rule",
      "input.json|0: string without a text rule",
      "input.json|4{key}: string without a text rule",
    ]);
    const ruled = z.object({
      name: singleLine().trim().min(1),
      link: singleLine(z.url()),
      id: z.uuid(),
      email: text().pipe(z.email()),
      key: token(),
      body: multiLine().max(10),
      values: z.record(singleLine(), z.array(text())),
      json: ruledJson,
    });
    expect(unruledStrings(ruled)).toEqual([]);
  });
});

type JsonSchema = Record<string, unknown>;

/** Every string schema a request (parameters and JSON bodies) may carry, with where it is. */
function requestStrings(document: Awaited<ReturnType<typeof createOpenApiDocument>>) {
  const components = (document.components?.schemas ?? {}) as Record<string, JsonSchema>;
  const found: { at: string; schema: JsonSchema }[] = [];
  const visit = (node: unknown, at: string, refs: string[]): void => {
    if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) visit(item, `${at}[${index}]`, refs);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const schema = node as JsonSchema;
    const ref = typeof schema.$ref === "string" ? schema.$ref.split("/").at(-1) : undefined;
    if (ref) {
      if (!refs.includes(ref)) visit(components[ref], `${at}→${ref}`, [...refs, ref]);
      return;
    }
    if (schema.type === "string") found.push({ at, schema });
    for (const [key, value] of Object.entries(schema)) visit(value, `${at}.${key}`, refs);
  };

  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item ?? {})) {
      const op = operation as { parameters?: unknown; requestBody?: { content?: Record<string, unknown> } };
      visit(op.parameters, `${method} ${path} parameters`, []);
      visit(op.requestBody?.content?.["application/json"], `${method} ${path} body`, []);
    }
  }
  return found;
}

const DOCUMENTED_FORMATS = new Set(["uuid", "email", "date-time"]);
const RULE_SOURCES = new Set(
  [STORABLE_TEXT, SINGLE_LINE_TEXT, MULTI_LINE_TEXT, TOKEN_TEXT].map((p) => p.source),
);

describe("the OpenAPI document", () => {
  it("states the text rule on every string a request may carry", async () => {
    const document = await createOpenApiDocument(appRouter, { version: "test" });
    const strings = requestStrings(document);
    expect(strings.length).toBeGreaterThan(100);
    const patternsOf = (schema: JsonSchema) =>
      [schema.pattern, ...((schema.allOf ?? []) as JsonSchema[]).map((part) => part.pattern)].filter(Boolean);
    const unstated = strings.filter(
      ({ schema }) =>
        !schema.enum &&
        schema.const === undefined &&
        !DOCUMENTED_FORMATS.has(String(schema.format)) &&
        !patternsOf(schema).some((pattern) => RULE_SOURCES.has(String(pattern))),
    );
    expect(unstated.map(({ at }) => at)).toEqual([]);
  });
});

const PAIRED = "emoji 😀 and 中文 and é";
const LONE_HIGH = "x\uD800y";
const LONE_LOW = "x\uDC00y";

describe("the text patterns", () => {
  const cases: [RegExp, string, string[], string[]][] = [
    [
      STORABLE_TEXT,
      "text",
      [PAIRED, "tab\tline\nfeed\r", "bell\u0007 del\u007F c1\u0085", ""],
      ["a\u0000b", LONE_HIGH, LONE_LOW, "\uD83D"],
    ],
    [
      SINGLE_LINE_TEXT,
      "singleLine",
      [PAIRED, "Acme Support — Nordic", ""],
      [
        "a\u0000b",
        "a\nb",
        "a\tb",
        "a\rb",
        "a\u001Fb",
        "a\u007Fb",
        "a\u0085b",
        "a\u009Fb",
        "a\u2028b",
        LONE_HIGH,
      ],
    ],
    [
      MULTI_LINE_TEXT,
      "multiLine",
      [PAIRED, "line one\r\nline two\n\tindented", "para\u2029graph"],
      ["a\u0000b", "a\u0007b", "a\u000Bb", "a\u000Cb", "a\u001Bb", "a\u007Fb", "a\u0090b", LONE_LOW],
    ],
    [TOKEN_TEXT, "token", ["kyro_ABC-123.xyz~!", ""], ["a b", "a\u0000b", "é", "a\nb"]],
  ];

  for (const [pattern, name, accepted, refused] of cases) {
    it(`${name}: accepts what it should and refuses the rest, with and without the u flag`, () => {
      for (const flags of ["", "u"]) {
        const compiled = new RegExp(pattern.source, flags);
        for (const value of accepted) expect(compiled.test(value), JSON.stringify(value)).toBe(true);
        for (const value of refused) expect(compiled.test(value), JSON.stringify(value)).toBe(false);
      }
    });
  }

  it("are written in JSON Schema's interoperable regex subset", () => {
    for (const pattern of [STORABLE_TEXT, SINGLE_LINE_TEXT, MULTI_LINE_TEXT, TOKEN_TEXT]) {
      expect(pattern.flags).toBe("");
      expect(pattern.source).not.toMatch(/\\[pP]\{|\(\?<|\(\?[=!]|\\[dDwWsSbB]/);
      expect(pattern.source).toMatch(/^\^.*\$$/);
    }
  });

  it("are stated in the JSON Schema a builder produces, with a clear message on failure", () => {
    expect(z.toJSONSchema(singleLine().max(5))).toMatchObject({ pattern: SINGLE_LINE_TEXT.source });
    const result = singleLine().safeParse("a\u0000b");
    expect(result.error?.issues[0]?.message).toBe("Must not contain control characters or line breaks");
  });

  it("leave the formats the walker trusts refusing NUL, control characters and lone surrogates", () => {
    const formats: Record<string, [z.ZodType, string]> = {
      uuid: [z.uuid(), "01a24ff2-4d52-70a4-81f7-80ffda1dbd48"],
      email: [z.email(), "someone@example.test"],
      datetime: [z.iso.datetime({ offset: true }), "2026-01-02T03:04:05Z"],
    };
    expect(Object.keys(formats).sort()).toEqual([...SAFE_STRING_FORMATS].sort());
    for (const [name, [schema, valid]] of Object.entries(formats)) {
      expect(schema.safeParse(valid).success, name).toBe(true);
      for (const poison of ["\u0000", "\u0007", "\n", "\u0085", "\uD800"]) {
        for (const value of [`${poison}${valid}`, `${valid.slice(0, 3)}${poison}${valid.slice(3)}`]) {
          expect(schema.safeParse(value).success, `${name} ${JSON.stringify(value)}`).toBe(false);
        }
      }
    }
  });
});
