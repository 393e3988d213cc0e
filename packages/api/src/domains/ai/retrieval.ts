import { and, desc, type Executor, eq, knowledgeChunks, knowledgeDocuments, sql } from "@kyro/db";

export interface Passage {
  chunkId: string;
  documentId: string;
  sourceId: string;
  title: string;
  url: string | null;
  content: string;
  score: number;
}

const HAS_WORD = /[\p{L}\p{N}]/u;

/**
 * The visitor's words as an OR query (as the Q/A search does), computed once in a one-row subquery that
 * `offset 0` keeps the planner from inlining into every candidate row.
 */
const visitorQuery = sql`(select replace(plainto_tsquery('english', ${sql.placeholder("text")})::text, ' & ', ' | ')::tsquery as query offset 0) as visitor_query`;
const score = sql<number>`ts_rank(${knowledgeChunks.search}, visitor_query.query)`.mapWith(Number);

/**
 * Most chunks ranked per message. A question of common words can match most of a large bot's chunks,
 * and `ts_rank` reads every match's vector: ranking 100,000 matches took over a second. The GIN index
 * hands out at most this many matches first (an unranked sample when there are more), and only those
 * are ranked, which bounds the cost; a specific question matches fewer and loses nothing.
 */
export const RANKED_CANDIDATES = 1_000;

function prepareRetrieval(db: Executor) {
  const candidates = db
    .select({ id: knowledgeChunks.id })
    .from(knowledgeChunks)
    .crossJoin(visitorQuery)
    .where(
      and(
        eq(knowledgeChunks.botId, sql.placeholder("botId")),
        eq(knowledgeChunks.orgId, sql.placeholder("orgId")),
        sql`${knowledgeChunks.search} @@ visitor_query.query`,
      ),
    )
    .limit(RANKED_CANDIDATES)
    .as("candidates");
  return db
    .select({
      chunkId: knowledgeChunks.id,
      documentId: knowledgeChunks.documentId,
      sourceId: knowledgeChunks.sourceId,
      title: knowledgeDocuments.title,
      url: knowledgeDocuments.url,
      content: knowledgeChunks.content,
      score,
    })
    .from(candidates)
    .innerJoin(knowledgeChunks, eq(knowledgeChunks.id, candidates.id))
    .crossJoin(visitorQuery)
    .innerJoin(knowledgeDocuments, eq(knowledgeDocuments.id, knowledgeChunks.documentId))
    .orderBy(desc(score))
    .limit(sql.placeholder("limit"))
    .prepare("knowledge_chunk_search");
}

const prepared = new WeakMap<Executor, ReturnType<typeof prepareRetrieval>>();

/**
 * The bot's best chunks for a message: Postgres full-text search (English stemming, OR of the words,
 * ranked by `ts_rank`), on stock Postgres and PGlite alike. The `(bot_id, search)` GIN index keeps it to
 * the bot's own postings.
 */
export async function retrievePassages(
  db: Executor,
  scope: { orgId: string; botId: string },
  text: string,
  limit: number,
): Promise<Passage[]> {
  if (!HAS_WORD.test(text)) return [];
  let statement = prepared.get(db);
  if (!statement) {
    statement = prepareRetrieval(db);
    prepared.set(db, statement);
  }
  return statement.execute({ text, orgId: scope.orgId, botId: scope.botId, limit });
}
