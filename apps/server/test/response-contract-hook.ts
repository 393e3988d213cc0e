import type { Server, ServerResponse } from "node:http";
import {
  type ContractMismatch,
  describeMismatch,
  gapFor,
  loadResponseContract,
  type ResponseContract,
} from "@kyro/api/testing/contract";
import { afterAll, afterEach } from "vitest";

/**
 * Every REST answer of a test server, checked against the OpenAPI document as it is written: a status
 * the operation declares, a body matching that status's schema, its declared headers. A mismatch not
 * listed in the contract gaps fails the test during which it happened (or the file, for requests made
 * in a before/after hook).
 */

const mismatches: ContractMismatch[] = [];
let checked = 0;

function failOnMismatches() {
  const found = mismatches.splice(0);
  if (found.length > 0) {
    throw new Error(
      `Responses that disagree with /api/openapi.json (docs/api-conventions.md):\n${found.map(describeMismatch).join("\n")}`,
    );
  }
}

// Registered when the harness is imported, so every test file that starts a server gets them.
afterEach(failOnMismatches);
afterAll(failOnMismatches);

/** How many REST answers were checked in this file (a test asserts the hook is live). */
export const checkedResponses = (): number => checked;

/** The head as written on the wire (it includes what writeHead got as a flat list, unlike getHeaders()). */
function headersOf(res: ServerResponse): Record<string, string> {
  const raw = (res as unknown as { _header?: string | null })._header ?? "";
  const headers: Record<string, string> = {};
  for (const line of raw.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

function bufferOf(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (typeof chunk === "string")
    return Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return undefined;
}

function record(contract: ResponseContract, method: string, pathname: string, res: ServerResponse) {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    const chunk = bufferOf(args[0], args[1]);
    if (chunk) chunks.push(chunk);
    return write(...args);
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    const chunk = typeof args[0] === "function" ? undefined : bufferOf(args[0], args[1]);
    if (chunk) chunks.push(chunk);
    const result = end(...args);
    checked++;
    const observed = {
      method,
      pathname,
      status: res.statusCode,
      headers: headersOf(res),
      body: Buffer.concat(chunks),
    };
    for (const mismatch of contract.check(observed)) if (!gapFor(mismatch)) mismatches.push(mismatch);
    return result;
  }) as typeof res.end;
}

/** Checks every answer `server` gives under the REST base from now on. */
export async function checkResponsesOf(server: Server): Promise<void> {
  const contract = await loadResponseContract();
  server.prependListener("request", (req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (pathname.startsWith(`${contract.index.base}/`)) record(contract, req.method ?? "GET", pathname, res);
  });
}
