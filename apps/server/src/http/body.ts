import type { IncomingMessage } from "node:http";
import { AppError } from "@kyro/api";

/** The largest request body accepted, on /trpc (its maxBodySize) and /api/v1 alike. */
export const MAX_BODY_BYTES = 1024 * 1024;

export const payloadTooLarge = () =>
  new AppError("PAYLOAD_TOO_LARGE", `Request body exceeds ${MAX_BODY_BYTES} bytes`, {
    limitBytes: MAX_BODY_BYTES,
  });

/** A 400 about the body as a whole: one issue on the whole input (`path: ""`). */
const wholeBodyRefused = (code: string, message: string) =>
  new AppError("BAD_REQUEST", message, { issues: [{ path: "", code, message }] });

export function declaresOversizedBody(req: IncomingMessage): boolean {
  const length = Number(req.headers["content-length"]);
  return Number.isFinite(length) && length > MAX_BODY_BYTES;
}

/** Reads at most MAX_BODY_BYTES; stops reading as soon as a chunked body goes over. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  if (declaresOversizedBody(req)) throw payloadTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw payloadTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function isJson(req: IncomingMessage): boolean {
  const type = req.headers["content-type"]?.split(";", 1)[0]?.trim().toLowerCase();
  return type === "application/json" || (type?.endsWith("+json") ?? false);
}

/** The parsed JSON of a body already read; `undefined` when there is none. */
export function parseJsonBody(req: IncomingMessage, raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  if (!isJson(req))
    throw wholeBodyRefused("unsupported_content_type", "Content-Type must be application/json");
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw wholeBodyRefused("invalid_json", "Malformed JSON body");
  }
}
