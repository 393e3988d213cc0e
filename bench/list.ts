/**
 * The realistic list page: `GET /api/v1/bots?limit=20` (20 bots with config) with an API key, limits,
 * output validation, access log and metrics on, over REST and over tRPC (`bots.list`, batched GET as
 * the SDK sends it). Each side is compared in alternating rounds against (a) a bare node:http handler
 * doing the same key check and SELECT in the same process (bench/list-target.ts) and (b) a vanilla
 * peer: the same procedure on tRPC's standalone adapter + Drizzle, written the obvious way
 * (bench/list-peer.ts; Postgres only). Also key-authenticated `GET /api/v1/me` with limits on against
 * the bare handler's `/me`.
 */
import { compareAlternating, loadGet, startTarget } from "./load";

interface Target {
  kyroUrl: string;
  bareUrl: string;
  apiKey: string;
  orgId: string;
  secret: string;
  database: string;
}

const ROUNDS = 7;
const LIMIT = 20;

async function compare(
  ours: { url: string; pid: number },
  theirs: { url: string; pid: number },
  key: string,
) {
  const { measured, baseline, ...ratios } = await compareAlternating(
    (seconds) => loadGet(ours.url, key, seconds, ours.pid),
    (seconds) => loadGet(theirs.url, key, seconds, theirs.pid),
    ROUNDS,
  );
  return { kyro: measured, baseline, ...ratios };
}

export async function listBench(repoRoot: string, env: NodeJS.ProcessEnv) {
  const kyro = await startTarget<Target>(repoRoot, ["bench/list-target.ts"], env);
  const peer = env.DATABASE_URL
    ? await startTarget<{ url: string }>(
        repoRoot,
        ["bench/list-peer.ts", env.DATABASE_URL, kyro.report.secret],
        env,
      )
    : undefined;
  try {
    const { kyroUrl, bareUrl, apiKey } = kyro.report;
    const batch = encodeURIComponent(JSON.stringify({ 0: { json: { limit: LIMIT } } }));
    const rest = { url: `${kyroUrl}/api/v1/bots?limit=${LIMIT}`, pid: kyro.pid };
    const trpc = { url: `${kyroUrl}/trpc/bots.list?batch=1&input=${batch}`, pid: kyro.pid };
    const bare = { url: `${bareUrl}/bots`, pid: kyro.pid };
    const results: Record<string, unknown> = {
      database: kyro.report.database,
      node: process.version,
      restVsBare: await compare(rest, bare, apiKey),
      trpcVsBare: await compare(trpc, bare, apiKey),
      meVsBare: await compare(
        { url: `${kyroUrl}/api/v1/me`, pid: kyro.pid },
        { url: `${bareUrl}/me`, pid: kyro.pid },
        apiKey,
      ),
    };
    if (peer) {
      results.restVsPeer = await compare(
        rest,
        { url: `${peer.report.url}/api/v1/bots?limit=${LIMIT}`, pid: peer.pid },
        apiKey,
      );
      results.trpcVsPeer = await compare(
        trpc,
        { url: `${peer.report.url}/trpc/bots.list?batch=1&input=${batch}`, pid: peer.pid },
        apiKey,
      );
    }
    results.targets = {
      node20: { restVsBare: 0.5, trpcVsBare: 0.4 },
      node24: { restVsBare: 0.6, trpcVsBare: 0.6 },
      vsPeer: 1.5,
      meVsBare: 0.8,
    };
    return results;
  } finally {
    kyro.child.kill("SIGTERM");
    peer?.child.kill("SIGTERM");
  }
}
