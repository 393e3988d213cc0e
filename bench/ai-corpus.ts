/** The AI bench's synthetic corpus: chunks written straight into the table, and questions over their words. */
import { createHash } from "node:crypto";
import { type Executor, sql } from "@kyro/db";

const VOCABULARY = 20_000;

/** Words of the ingestion documents. */
export const WORDS =
  "espresso grinder warranty boiler pump roast bean milk steam descale filter brew ratio water shipping refund order parcel account password invoice subscription tea kettle cup mug origin blend acidity crema tamper basket portafilter".split(
    " ",
  );

/** The bench corpus's word for a vocabulary index: the same as the seeding SQL's `md5(index)`. */
const md5Word = (index: number) => createHash("md5").update(String(index)).digest("hex").slice(0, 6);

/** `count` questions of four corpus words each, drawn with the corpus's skew. */
export function benchQuestions(count: number): string[] {
  return Array.from({ length: count }, (_, n) =>
    [0, 1, 2, 3]
      .map((k) => `w${md5Word(Math.floor(VOCABULARY * (((n * 7919 + k * 104729) % 1000) / 1000) ** 1.5))}`)
      .join(" "),
  ).map((words) => `how does ${words} work`);
}

interface ChunkOwner {
  orgId: string;
  botId: string;
  sourceId: string;
  documentId: string;
}

/** `count` chunks of ~60 words under one document, written in one statement per 10,000. */
export async function insertChunks(db: Executor, owner: ChunkOwner, count: number): Promise<void> {
  // Words of a 20,000-word vocabulary drawn with a skew (u^1.5), so common words appear in about
  // 8 % of chunks and rare ones in a few, roughly as content words do in a real corpus.
  for (let start = 0; start < count; start += 10_000) {
    await db.execute(sql`
      insert into knowledge_chunks (id, org_id, bot_id, source_id, document_id, position, content, tokens)
      select gen_random_uuid(), ${owner.orgId}::uuid, ${owner.botId}::uuid, ${owner.sourceId}::uuid, ${owner.documentId}::uuid, n,
        (select string_agg('w' || substr(md5(floor(${VOCABULARY}::int * power(((hashint4(n * 61 + k) & 2147483647)::float8 / 2147483647), 1.5))::text), 1, 6), ' ')
           from generate_series(1, 60) k),
        80
      from generate_series(${start}::int, ${Math.min(count, start + 10_000) - 1}::int) n`);
  }
  await db.execute(sql`analyze knowledge_chunks`);
}
