/**
 * Sums up a TEST_TIMINGS file (test/timings-reporter.ts): where a run's time went (import of each
 * file's module graph, hooks, tests), the slowest files and the slowest tests.
 * Usage: node scripts/test-timings.mjs <timings.json> [top=20]
 */
import { readFileSync } from "node:fs";

const [file, top = "20"] = process.argv.slice(2);
if (!file) throw new Error("usage: node scripts/test-timings.mjs <timings.json> [top]");
const files = JSON.parse(readFileSync(file, "utf8"));
const limit = Number(top);
const sum = (rows, pick) => rows.reduce((total, row) => total + pick(row), 0);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

const importMs = sum(files, (f) => f.importMs);
const testsMs = sum(files, (f) => f.testsMs);
const hooksMs = sum(files, (f) => Math.max(0, f.runMs - f.testsMs));
const total = importMs + testsMs + hooksMs;
const share = (ms) => `${seconds(ms)} (${Math.round((100 * ms) / total)} %)`;
const lines = [
  `${files.length} files, ${sum(files, (f) => f.tests.length)} tests`,
  `import ${share(importMs)}, hooks ${share(hooksMs)}, tests ${share(testsMs)}`,
  "",
  `slowest files (import + hooks + tests):`,
  ...[...files]
    .sort((a, b) => b.importMs + b.runMs - (a.importMs + a.runMs))
    .slice(0, limit)
    .map((f) => `  ${seconds(f.importMs + f.runMs).padStart(8)}  ${f.file}`),
  "",
  `slowest tests:`,
  ...files
    .flatMap((f) => f.tests.map((t) => ({ ...t, file: f.file })))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, limit)
    .map((t) => `  ${seconds(t.ms).padStart(8)}  ${t.file} > ${t.name}`),
];
process.stdout.write(`${lines.join("\n")}\n`);
