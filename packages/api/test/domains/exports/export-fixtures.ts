import { Readable } from "node:stream";
import { conversations, leads, messages } from "@kyro/db";
import type { ObjectStorage } from "@kyro/platform";
import type { TestApp } from "../../harness";

/** Reads a stored or downloaded file whole (test files are small). */
export async function readAll(stream: AsyncIterable<string | Buffer>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
  return text;
}

/** A conversation of an identified visitor with `count` messages, and a lead from them. */
export async function seedActivity(
  app: TestApp,
  orgId: string,
  botId: string,
  options: { count: number; endUserId: string; email: string; createdAt?: Date },
): Promise<{ conversationId: string }> {
  const db = app.database.db;
  const [conversation] = await db
    .insert(conversations)
    .values({ orgId, botId, endUserId: options.endUserId, origin: "https://shop.example.test" })
    .returning({ id: conversations.id });
  if (!conversation) throw new Error("seed conversation failed");
  const createdAt = options.createdAt ?? new Date();
  await db.insert(messages).values(
    Array.from({ length: options.count }, (_, index) => ({
      orgId,
      botId,
      conversationId: conversation.id,
      role: index % 2 === 0 ? ("visitor" as const) : ("bot" as const),
      content: index === 0 ? '=SUM(A1), "quoted"\nnext line' : `message ${index} é`,
      createdAt,
    })),
  );
  await db.insert(leads).values({
    orgId,
    botId,
    conversationId: conversation.id,
    email: options.email,
    name: "Ada",
    source: "widget",
  });
  return { conversationId: conversation.id };
}

/**
 * Storage whose writes die after `chunks` chunks (the worker killed mid-file, as far as the store can
 * tell): the upload's source fails, so the store must keep nothing.
 */
export function cutAfter(inner: ObjectStorage, chunks: number): ObjectStorage {
  return {
    ...inner,
    put(key, body) {
      let seen = 0;
      const cut = Readable.from(
        (async function* () {
          for await (const chunk of body) {
            if (++seen > chunks) throw new Error("worker killed");
            yield chunk;
          }
        })(),
      );
      return inner.put(key, cut);
    },
  };
}
