import { defineConfig } from "vitest/config";
import { TimingsReporter } from "./test/timings-reporter";

// Test tooling reads the environment here, and hands it to tests through `inject()`.
const databaseUrl = process.env.DATABASE_URL ?? "";
const redisUrl = process.env.REDIS_URL ?? "";
// The REST fuzz (apps/server/test/rest-fuzz.test.ts): its seed and the runs per operation, when given.
const fuzzSeed = process.env.FUZZ_SEED ?? "";
const fuzzRuns = process.env.FUZZ_RUNS ?? "";
// Where each file's import/hooks/tests split goes, when given (scripts/test-timings.mjs sums it up).
const timingsFile = process.env.TEST_TIMINGS ?? "";

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources in tests, not to their compiled dist/. No
  // `module` condition: vitest hands these to Node as --conditions, and packages whose `module` build
  // is not valid Node ESM (the AWS SDK's dist-es) must load as Node loads them in production.
  ssr: { resolve: { conditions: ["kyro-source", "node", "development|production"] } },
  test: {
    include: ["apps/*/test/**/*.test.ts", "packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    provide: { databaseUrl, redisUrl, fuzzSeed, fuzzRuns },
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite needs ~2.5 s to boot per test file; two workers match the two-core CI machines.
    maxWorkers: 2,
    ...(timingsFile ? { reporters: ["default", new TimingsReporter(timingsFile)] } : {}),
  },
});
