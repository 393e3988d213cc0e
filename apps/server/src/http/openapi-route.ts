import type { ServerResponse } from "node:http";
import { createOpenApiDocument } from "@kyro/api";
import type { AnyRouter } from "@trpc/server";
import manifest from "../../package.json" with { type: "json" };

export const OPENAPI_PATH = "/api/openapi.json";

interface Payload {
  body: string;
  length: number;
}

/**
 * Generates the document (the API version it states is the server package's own) on its first
 * request rather than at start-up: describing every operation is the costliest part of building the
 * server, and most processes (workers, API replicas behind a gateway) never serve it. Every later
 * request gets the same bytes; a failed build is retried by the next request.
 */
export function createOpenApiRoute(router: AnyRouter): (res: ServerResponse) => Promise<void> {
  let payload: Promise<Payload> | undefined;
  const build = async (): Promise<Payload> => {
    const body = JSON.stringify(await createOpenApiDocument(router, { version: manifest.version }));
    return { body, length: Buffer.byteLength(body) };
  };
  return async (res) => {
    payload ??= build().catch((error: unknown) => {
      payload = undefined;
      throw error;
    });
    const { body, length } = await payload;
    res.statusCode = 200;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", length);
    res.end(body);
  };
}
