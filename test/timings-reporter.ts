import { writeFileSync } from "node:fs";
import type { Reporter, TestModule } from "vitest/node";

/** One test file's phases (ms): import of the file and what it imports, its hooks and tests. */
export interface FileTimings {
  file: string;
  /** Importing the test file and its module graph (vitest's "collect"/"import"). */
  importMs: number;
  /** The file's wall time from its first test to its last hook (tests plus beforeAll/afterAll). */
  runMs: number;
  /** The sum of its tests' own durations; runMs minus this is hooks (createTestApp, PGlite boot). */
  testsMs: number;
  tests: { name: string; ms: number; state: string }[];
}

/**
 * Writes every test file's import/hooks/tests split to a JSON file at the end of the run
 * (`TEST_TIMINGS=<file>`, see vitest.config.ts); `node scripts/test-timings.mjs <file>` sums it up.
 * The CI-time notes in docs/testing.md were measured with it.
 */
export class TimingsReporter implements Reporter {
  constructor(private readonly outputFile: string) {}

  onTestRunEnd(testModules: readonly TestModule[]): void {
    const files: FileTimings[] = testModules.map((module) => {
      const diagnostic = module.diagnostic();
      const tests = [...module.children.allTests()].map((test) => ({
        name: test.fullName,
        ms: test.diagnostic()?.duration ?? 0,
        state: test.result().state,
      }));
      return {
        file: module.relativeModuleId,
        importMs: Math.round(diagnostic.collectDuration),
        runMs: Math.round(diagnostic.duration),
        testsMs: Math.round(tests.reduce((sum, test) => sum + test.ms, 0)),
        tests,
      };
    });
    writeFileSync(this.outputFile, JSON.stringify(files, null, 1));
  }
}
