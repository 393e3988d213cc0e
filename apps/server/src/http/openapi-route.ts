import type { ServerResponse } from "node:http";
import { createOpenApiDocument } from "@kyro/api";
import type { AnyRouter } from "@trpc/server";
import manifest from "../../package.json" with { type: "json" };

export const OPENAPI_PATH = "/api/openapi.json";

/** Generates the document once (the API version it states is the server package's own), at start-up; every request gets the same bytes. */
export async function createOpenApiRoute(router: AnyRouter): Promise<(res: ServerResponse) => void> {
  const payload = JSON.stringify(await createOpenApiDocument(router, { version: manifest.version }));
  const length = Buffer.byteLength(payload);
  return (res) => {
    res.statusCode = 200;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", length);
    res.end(payload);
  };
}
