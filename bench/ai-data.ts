/**
 * The AI benchmark's synthetic corpus, shared by the driver and its target process: chunks of 60 words
 * from a 20,000-word vocabulary drawn with a skew (common words in about 8 % of chunks), and questions
 * of four such words.
 */
import { createHash } from "node:crypto";
import { type Database, sql } from "@kyro/db";

const VOCABULARY = 20_000;

/** The bench corpus's word for a vocabulary index: the same as the seeding SQL's `md5(index)`. */
const md5Word = (index: number) => createHash("md5").update(String(index)).digest("hex").slice(0, 6);

/** 200 visitor questions, each naming four words of the corpus. */
export const benchQuestions = (): string[] =>
  Array.from({ length: 200 }, (_, n) =>
    [0, 1, 2, 3]
      .map((k) => `w${md5Word(Math.floor(VOCABULARY * (((n * 7919 + k * 104729) % 1000) / 1000) ** 1.5))}`)
      .join(" "),
  ).map((words) => `how does ${words} work`);

/**
 * `count` chunks of ~60 words for the bot under one document, one statement per 10,000. Words are drawn
 * with a skew (u^1.5), so common words appear in about 8 % of chunks and rare ones in a few, roughly as
 * content words do in a real corpus.
 */
export async function insertBenchChunks(
  db: Database,
  scope: { orgId: string; botId: string; sourceId: string; documentId: string },
  count: number,
): Promise<void> {
  for (let start = 0; start < count; start += 10_000) {
    await db.execute(sql`
      insert into knowledge_chunks (id, org_id, bot_id, source_id, document_id, position, content, tokens)
      select gen_random_uuid(), ${scope.orgId}::uuid, ${scope.botId}::uuid, ${scope.sourceId}::uuid, ${scope.documentId}::uuid, n,
        (select string_agg('w' || substr(md5(floor(${VOCABULARY}::int * power(((hashint4(n * 61 + k) & 2147483647)::float8 / 2147483647), 1.5))::text), 1, 6), ' ')
           from generate_series(1, 60) k),
        80
      from generate_series(${start}::int, ${Math.min(count, start + 10_000) - 1}::int) n`);
  }
  await db.execute(sql`analyze knowledge_chunks`);
}
