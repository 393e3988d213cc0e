import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

/**
 * Where export files (and any later stored artefact) live: local disk or an S3-compatible bucket. Bytes
 * travel as async iterables (a Node stream is one) so that this type, which reaches the SDK's
 * declarations through the deps type, names no Node type.
 */
export interface ObjectStorage {
  /** Stores the whole stream under `key`; the object is visible only once complete (a failed write leaves none). */
  put(key: string, body: AsyncIterable<Uint8Array | string>): Promise<{ bytes: number }>;
  /** Opens the object; rejects with ObjectNotFoundError when there is none. */
  get(key: string): Promise<AsyncIterable<Uint8Array>>;
  /** Removes the object; an absent one is no error. */
  delete(key: string): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  constructor(key: string) {
    super(`No stored object ${key}`);
    this.name = "ObjectNotFoundError";
  }
}

export interface S3StorageConfig {
  kind: "s3";
  bucket: string;
  region: string;
  /** Any S3-compatible endpoint (MinIO, R2, a test server); unset: AWS itself. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Unset: the SDK's default credential chain (environment, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Prepended to every key, so one bucket can hold several deployments. */
  prefix?: string;
}

export type ObjectStorageConfig = { kind: "local"; dir: string } | S3StorageConfig;

/** Counts what passes, so a store can report an object's size without buffering it. */
function counted(body: AsyncIterable<Uint8Array | string>): { stream: PassThrough; bytes: () => number } {
  const source = body instanceof Readable ? body : Readable.from(body);
  let total = 0;
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => {
    total += chunk.length;
  });
  source.on("error", (error) => stream.destroy(error));
  source.pipe(stream);
  return { stream, bytes: () => total };
}

/** Files under `dir`; written to a temporary name and renamed, so a crash never leaves a partial object. */
export function createLocalStorage(dir: string): ObjectStorage {
  const root = resolve(dir);
  const pathOf = (key: string) => {
    const path = resolve(root, key);
    if (!path.startsWith(root + sep)) throw new Error(`Storage key escapes the store: ${key}`);
    return path;
  };
  return {
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const partial = `${path}.${randomBytes(6).toString("hex")}.partial`;
      const { stream, bytes } = counted(body);
      try {
        await pipeline(stream, createWriteStream(partial, { mode: 0o600 }));
        await rename(partial, path);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
      return { bytes: bytes() };
    },
    async get(key) {
      const stream = createReadStream(pathOf(key));
      await new Promise<void>((done, fail) => {
        stream.once("open", () => done());
        stream.once("error", (error: NodeJS.ErrnoException) =>
          fail(error.code === "ENOENT" ? new ObjectNotFoundError(key) : error),
        );
      });
      return stream;
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}

/** A bucket of any S3-compatible store; uploads are multipart and streamed (memory stays flat). */
export function createS3Storage(config: S3StorageConfig): ObjectStorage & { close(): void } {
  const options: S3ClientConfig = { region: config.region, forcePathStyle: config.forcePathStyle };
  if (config.endpoint) options.endpoint = config.endpoint;
  if (config.credentials) options.credentials = config.credentials;
  const client = new S3Client(options);
  const keyOf = (key: string) => `${config.prefix ?? ""}${key}`;
  return {
    async put(key, body) {
      const { stream, bytes } = counted(body);
      // A failed multipart upload is aborted (its parts removed): no object appears.
      const upload = new Upload({
        client,
        params: { Bucket: config.bucket, Key: keyOf(key), Body: stream },
        leavePartsOnError: false,
      });
      await upload.done();
      return { bytes: bytes() };
    },
    async get(key) {
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: keyOf(key) }));
        return answer.Body as Readable;
      } catch (error) {
        if (error instanceof NoSuchKey) throw new ObjectNotFoundError(key);
        throw error;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: keyOf(key) }));
    },
    close: () => client.destroy(),
  };
}

export function createObjectStorage(config: ObjectStorageConfig): ObjectStorage & { close(): void } {
  if (config.kind === "s3") return createS3Storage(config);
  return { ...createLocalStorage(config.dir), close: () => {} };
}
