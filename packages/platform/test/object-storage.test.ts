import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObjectStorage, ObjectNotFoundError, type ObjectStorage } from "../src/object-storage";
import { startS3Server, type TestS3Server } from "./s3-server";

async function text(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/** 12 MB in 64 KB chunks, produced lazily: more than one multipart part, never held whole. */
function* bigBody(): Generator<string> {
  const line = `${"x".repeat(65_535)}\n`;
  for (let index = 0; index < 192; index++) yield line;
}

function failingBody(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      sent++;
      if (sent > 3) this.destroy(new Error("source failed"));
      else this.push("partial data\n");
    },
  });
}

let s3: TestS3Server;
let dir: string;

beforeAll(async () => {
  s3 = await startS3Server();
  dir = await mkdtemp(join(tmpdir(), "kyro-store-"));
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  ["local disk", () => createObjectStorage({ kind: "local", dir })],
  ["S3-compatible (s3rver)", () => createObjectStorage(s3.config)],
])("%s storage", (_name, make: () => ObjectStorage) => {
  it("stores a streamed body, reads it back and deletes it", async () => {
    const store = make();
    const { bytes } = await store.put("exports/org/a.csv", Readable.from(["id,name\r\n", "1,é\r\n"]));
    expect(bytes).toBe(Buffer.byteLength("id,name\r\n1,é\r\n"));
    expect(await text(await store.get("exports/org/a.csv"))).toBe("id,name\r\n1,é\r\n");
    await store.delete("exports/org/a.csv");
    await expect(store.get("exports/org/a.csv")).rejects.toBeInstanceOf(ObjectNotFoundError);
    await store.delete("exports/org/a.csv");
  });

  it("streams a multi-part upload", async () => {
    const store = make();
    const { bytes } = await store.put("exports/org/big.ndjson", Readable.from(bigBody()));
    expect(bytes).toBe(192 * 65_536);
    let read = 0;
    for await (const chunk of await store.get("exports/org/big.ndjson")) read += (chunk as Buffer).length;
    expect(read).toBe(bytes);
    await store.delete("exports/org/big.ndjson");
  });

  it("leaves no object when the source fails mid-write", async () => {
    const store = make();
    await expect(store.put("exports/org/broken.csv", failingBody())).rejects.toThrow("source failed");
    await expect(store.get("exports/org/broken.csv")).rejects.toBeInstanceOf(ObjectNotFoundError);
  });
});

it("keeps local files inside the store and leaves no temporary file behind", async () => {
  const store = createObjectStorage({ kind: "local", dir });
  await expect(store.put("../escape.csv", Readable.from(["x"]))).rejects.toThrow("escapes");
  expect((await readdir(join(dir, "exports", "org"))).filter((name) => name.endsWith(".partial"))).toEqual(
    [],
  );
});
