import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gapFor, loadDocumentSchemas } from "@kyro/api/testing/contract";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The document as a partner's generator reads it: openapi-typescript turns /api/openapi.json into
 * types, and a small openapi-fetch client over them compiles with tsc in strict mode. Every error
 * answer's `details` has a type a client can use: never `unknown`, never a bag of `unknown` values.
 */

const require = createRequire(import.meta.url);
const METHODS = ["get", "put", "post", "delete", "patch"] as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kyro-openapi-types-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One type assertion per operation and error status, so a failure names the operation. */
function detailsAssertions(paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>) {
  const lines: string[] = [];
  let index = 0;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      for (const status of Object.keys(item[method]?.responses ?? {})) {
        if (!/^[45]/.test(status)) continue;
        const key = /^\d+$/.test(status) ? status : JSON.stringify(status);
        lines.push(
          `// ${method.toUpperCase()} ${path} ${status}`,
          `type Details${index} = DetailsOf<paths[${JSON.stringify(path)}][${JSON.stringify(method)}]["responses"][${key}]>;`,
          `export const known${index}: KnownDetails<Details${index}> = true;`,
        );
        index++;
      }
    }
  }
  return lines;
}

const CLIENT_HEAD = `import createClient from "openapi-fetch";
import type { paths } from "./schema";

const kyro = createClient<paths>({ baseUrl: "http://127.0.0.1:3000/api/v1", headers: { authorization: "Bearer kyro_sk_x" } });

export async function botName(botId: string): Promise<string | undefined> {
  const { data, error } = await kyro.GET("/bots/{botId}", { params: { path: { botId } } });
  if (error) return error.error.message;
  return data.bot.name;
}

export async function firstBots(): Promise<string[]> {
  const { data } = await kyro.GET("/bots", { params: { query: { limit: 5 } } });
  return (data?.items ?? []).map((bot) => bot.id);
}

type ErrorBody<R> = R extends { content: { "application/json": infer B } } ? B : never;
type DetailsOf<R> = ErrorBody<R> extends { error: { details: infer D } } ? D : never;
type IsUnknown<T> = unknown extends T ? true : false;
/** true only when no member of D is unknown or an index signature of unknown values. */
type Unknownish<D> = IsUnknown<D> extends true
  ? true
  : D extends object
    ? string extends keyof D
      ? IsUnknown<D[string & keyof D]>
      : false
    : false;
type KnownDetails<D> = [Unknownish<D>] extends [false] ? true : "details is unknown";
`;

function compile(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    types: [],
    baseUrl: dir,
    paths: { "openapi-fetch": [dirname(require.resolve("openapi-fetch/package.json"))] },
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const line =
      diagnostic.file && diagnostic.start !== undefined
        ? `${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1}: `
        : "";
    return line + ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  });
}

describe("types generated from /api/openapi.json", () => {
  it("compile with a strict openapi-fetch client, and type every error's details", async () => {
    const { document } = await loadDocumentSchemas();
    const schema = astToString(await openapiTS(document as never));
    await writeFile(join(dir, "schema.ts"), schema);
    const assertions = detailsAssertions(document.paths as never);
    expect(assertions.length).toBeGreaterThan(0);
    await writeFile(join(dir, "client.ts"), [CLIENT_HEAD, ...assertions].join("\n"));
    const problems = compile([join(dir, "schema.ts"), join(dir, "client.ts")]).filter(
      (message) => !gapFor({ check: "types", operation: "(generated client)", message }),
    );
    expect(problems.slice(0, 20), `${problems.length} problems`).toEqual([]);
  }, 120_000);
});
