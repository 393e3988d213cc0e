import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createOpenApiDocument } from "@kyro/api";
import type { AnyRouter } from "@trpc/server";

export const OPENAPI_PATH = "/api/openapi.json";

/** The API version the document states is the server package's own. */
function serverVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

/** Generates the document once, at start-up; every request gets the same bytes. */
export async function createOpenApiRoute(router: AnyRouter): Promise<(res: ServerResponse) => void> {
  const payload = JSON.stringify(await createOpenApiDocument(router, { version: serverVersion() }));
  const length = Buffer.byteLength(payload);
  return (res) => {
    res.statusCode = 200;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", length);
    res.end(payload);
  };
}
