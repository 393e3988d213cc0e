/**
 * `npm run bench [startup|api|list|limits|widget|webhooks|escalations|analytics|analytics-marks|exports|audit-chain|purge|ai|ai:<part> ...]`: every figure comes with a baseline measured in the same run
 * (these machines are noisy, so the ratios are what to compare across runs). Results are printed and
 * written to bench/results/latest.json. The API bench runs on Postgres + Redis when DATABASE_URL and
 * REDIS_URL are set, else on the embedded default.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { AI_PARTS, aiBench } from "./ai";
import { analyticsBench } from "./analytics";
import { analyticsMarksBench } from "./analytics-marks";
import { apiBench } from "./api";
import { auditChainBench } from "./audit-chain";
import { escalationsBench } from "./escalations";
import { exportsBench } from "./exports";
import { limitsBench } from "./limits";
import { listBench } from "./list";
import { purgeBench } from "./purge";
import { startupBench } from "./startup";
import { webhooksBench } from "./webhooks";
import { widgetBench } from "./widget";

const repoRoot = new URL("..", import.meta.url).pathname;
const sections = process.argv.slice(2);
const wanted = (name: string) => sections.length === 0 || sections.includes(name);

const results: Record<string, unknown> = { at: new Date().toISOString(), node: process.version };
if (wanted("startup")) results.startup = await startupBench();
if (wanted("api")) results.api = await apiBench(repoRoot, process.env);
if (wanted("list")) results.list = await listBench(repoRoot, process.env);
if (wanted("limits")) results.limits = await limitsBench(repoRoot, process.env);
if (wanted("widget")) results.widget = await widgetBench(repoRoot, process.env);
if (wanted("webhooks")) results.webhooks = await webhooksBench(repoRoot, process.env);
if (wanted("escalations")) results.escalations = await escalationsBench(repoRoot, process.env);
if (wanted("analytics")) results.analytics = await analyticsBench(repoRoot, process.env);
if (wanted("analytics-marks")) results.analyticsMarks = await analyticsMarksBench(repoRoot, process.env);
if (wanted("exports")) results.exports = await exportsBench(repoRoot, process.env);
if (wanted("audit-chain")) results.auditChain = await auditChainBench(repoRoot, process.env);
if (wanted("purge")) results.purge = await purgeBench(repoRoot, process.env);
const aiParts = AI_PARTS.filter((part) => wanted("ai") || sections.includes(`ai:${part}`));
if (aiParts.length > 0) results.ai = await aiBench(repoRoot, process.env, aiParts);

console.log(JSON.stringify(results, null, 2));
writeFileSync(join(repoRoot, "bench/results/latest.json"), `${JSON.stringify(results, null, 2)}\n`);
