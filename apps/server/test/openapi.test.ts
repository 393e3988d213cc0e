import { readFileSync } from "node:fs";
import { appRouter, createOpenApiDocument } from "@kyro/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { oas31 } from "zod-openapi";
import { startTestServer, type TestServer } from "./server-harness";

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
const serverVersion = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("GET /api/openapi.json", () => {
  it("serves the generated document with the server's version and the strict API headers", async () => {
    const res = await fetch(`${server.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const served = (await res.json()) as oas31.OpenAPIObject;
    expect(served.info.version).toBe(serverVersion);
    expect(served).toEqual(
      JSON.parse(JSON.stringify(await createOpenApiDocument(appRouter, { version: serverVersion }))),
    );
  });

  it("is read-only", async () => {
    const res = await fetch(`${server.url}/api/openapi.json`, { method: "POST" });
    expect(res.status).toBe(404);
  });

  it("documents only routes the server serves: each operation answers 401 without a token, never 'Route not found'", async () => {
    const res = await fetch(`${server.url}/api/openapi.json`);
    const document = (await res.json()) as oas31.OpenAPIObject;
    const base = document.servers?.[0]?.url ?? "";
    let checked = 0;
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of METHODS) {
        const operation = item?.[method];
        if (!operation) continue;
        const concrete = path.replaceAll(/\{\w+\}/g, "00000000-0000-7000-8000-000000000000");
        const answer = await fetch(`${server.url}${base}${concrete}`, { method: method.toUpperCase() });
        // An empty PATCH is refused as malformed (400) before the credential is looked at, as an
        // unknown parameter is; everything else that takes a credential asks for one.
        const sent = (operation.requestBody as oas31.RequestBodyObject | undefined)?.content[
          "application/json"
        ];
        const needsField = (sent?.schema as oas31.SchemaObject | undefined)?.minProperties !== undefined;
        // The widget routes check the session token inside the procedure, after its input: an empty
        // body may be refused (400) before the missing token is.
        const widget = operation.security?.some((scheme) => "widgetSession" in scheme) ?? false;
        const expected = operation.security?.length === 0 ? answer.status : needsField ? 400 : 401;
        if (widget) expect([400, 401], `${method.toUpperCase()} ${path}`).toContain(answer.status);
        else expect(answer.status, `${method.toUpperCase()} ${path}`).toBe(expected);
        // A public route may answer 404 for the made-up id (an unknown bot), but never as an unrouted path.
        const body = (await answer.json().catch(() => null)) as { error?: { message?: string } } | null;
        expect(body?.error?.message, `${method.toUpperCase()} ${path}`).not.toBe("Route not found");
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });
});
