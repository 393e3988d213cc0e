import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type AppRouter, contentTypeFor, exportFilename } from "@kyro/api";
import type { inferRouterInputs } from "@trpc/server";
import type { RestRoute } from "../rest";

type ExportInput = inferRouterInputs<AppRouter>["audit"]["export"];

/** Hands out the chunk already read, then the rest; returning early (client gone) closes the source. */
async function* continueFrom(first: string, rest: AsyncIterator<string>): AsyncGenerator<string> {
  try {
    yield first;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

/**
 * `GET /api/v1/audit-events/export?orgId=...&format=csv|json&from=&to=&actorId=&actorType=&action=&resourceType=&resourceId=`
 * Streams the file. Until the first chunk arrives nothing is sent, so authorization and validation
 * failures still answer with the error envelope; a failure after that can only cut the stream short.
 */
export const auditExportRoute: RestRoute = {
  method: "GET",
  path: "/api/v1/audit-events/export",
  async handle({ url, res, caller }) {
    // Query values are strings, which is what every export filter takes; the procedure validates them.
    const input = Object.fromEntries(url.searchParams) as unknown as ExportInput;
    const chunks = await caller.audit.export(input);
    const iterator = chunks[Symbol.asyncIterator]();
    const first = await iterator.next();
    res.statusCode = 200;
    res.setHeader("Content-Type", contentTypeFor(input.format));
    res.setHeader("Content-Disposition", `attachment; filename="${exportFilename(input.format)}"`);
    if (first.done) {
      res.end();
      return;
    }
    try {
      await pipeline(Readable.from(continueFrom(first.value, iterator)), res);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ERR_STREAM_PREMATURE_CLOSE") throw error;
    }
  },
};
