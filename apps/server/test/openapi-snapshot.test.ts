import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { appRouter, createOpenApiDocument } from "@kyro/api";
import { describe, expect, it } from "vitest";
import type { oas31 } from "zod-openapi";
import { breakingChanges } from "./openapi-diff";

const SNAPSHOT = fileURLToPath(new URL("../../../docs/openapi.json", import.meta.url));
const CHANGELOG = fileURLToPath(new URL("../../../CHANGELOG.md", import.meta.url));
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

describe("docs/openapi.json (change control)", () => {
  it("equals the generated document; a breaking change since it must be named in CHANGELOG.md", async () => {
    const document = await createOpenApiDocument(appRouter, { version });
    if (existsSync(SNAPSHOT)) {
      // Checked before the snapshot is rewritten (`vitest -u`), so updating it needs the changelog entry.
      const committed = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as oas31.OpenAPIObject;
      const changelog = readFileSync(CHANGELOG, "utf8");
      const unnamed = breakingChanges(committed, document).filter(
        (change) => !changelog.includes(change.operation),
      );
      expect(unnamed, "breaking changes CHANGELOG.md does not name").toEqual([]);
    }
    await expect(`${JSON.stringify(document, null, 2)}\n`).toMatchFileSnapshot(SNAPSHOT);
  });
});

const schema = (properties: Record<string, oas31.SchemaObject>, required: string[] = []) => ({
  type: "object" as const,
  properties,
  required,
});

function documentWith(operations: Record<string, oas31.OperationObject>): oas31.OpenAPIObject {
  const paths: oas31.PathsObject = {};
  for (const [key, operation] of Object.entries(operations)) {
    const [method = "", path = ""] = key.split(" ");
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation };
  }
  return { openapi: "3.1.0", info: { title: "t", version: "1" }, paths };
}

const answer = (body: oas31.SchemaObject, status = "200"): oas31.ResponsesObject => ({
  [status]: { description: "ok", content: { "application/json": { schema: body } } },
});
const withBody = (body: oas31.SchemaObject, responseBody: oas31.SchemaObject): oas31.OperationObject => ({
  requestBody: { content: { "application/json": { schema: body } } },
  responses: answer(responseBody),
});

describe("breakingChanges", () => {
  const base = documentWith({
    "GET /things": {
      parameters: [{ in: "query", name: "limit", schema: { type: "integer", maximum: 100 } }],
      responses: answer(
        schema({ items: { type: "array" }, nextCursor: { type: "string" } }, ["items", "nextCursor"]),
      ),
    },
    "PATCH /things/{id}": withBody(
      schema({ name: { type: "string", maxLength: 100 }, kind: { type: "string", enum: ["a", "b"] } }),
      schema({ thing: { type: "object" } }, ["thing"]),
    ),
  });

  it("finds nothing between a document and itself, nor in an added operation or optional input", () => {
    expect(breakingChanges(base, base)).toEqual([]);
    const grown = structuredClone(base);
    grown.paths = { ...grown.paths, "/other": { get: { responses: answer({ type: "object" }) } } };
    const patch = grown.paths?.["/things/{id}"]?.patch as oas31.OperationObject;
    const body = (patch.requestBody as oas31.RequestBodyObject).content["application/json"]
      ?.schema as oas31.SchemaObject;
    body.properties = { ...body.properties, extra: { type: "string" } };
    expect(breakingChanges(base, grown)).toEqual([]);
  });

  it("names a removed operation, a narrowed type, a new required input and a removed answer field", () => {
    const next = documentWith({
      "PATCH /things/{id}": withBody(
        schema({ name: { type: "string", maxLength: 50 }, kind: { type: "string", enum: ["a"] } }, ["name"]),
        schema({}, []),
      ),
    });
    expect(breakingChanges(base, next)).toEqual([
      { operation: "GET /things", change: "removed" },
      {
        operation: "PATCH /things/{id}",
        change: "body: newly required: name".replace(": newly required: name", ".name: newly required"),
      },
      { operation: "PATCH /things/{id}", change: "body.name: maxLength 100 → 50" },
      { operation: "PATCH /things/{id}", change: "body.kind: no longer accepts b" },
      { operation: "PATCH /things/{id}", change: "answer.thing: removed" },
    ]);
  });
});
