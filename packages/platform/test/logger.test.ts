import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createLogger, logDestination } from "../src/logger";

const dir = mkdtempSync(join(tmpdir(), "kyro-logger-"));
const read = (file: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};

describe("the default log destination", () => {
  it("writes a lone line within the flush interval though it is far below the buffer size", async () => {
    const file = join(dir, "quiet.log");
    const logger = createLogger({ level: "info", destination: logDestination(file) });
    logger.info({ requestId: "r-1" }, "only line");
    await expect.poll(() => read(file), { timeout: 5_000, interval: 50 }).toContain('"msg":"only line"');
    expect(JSON.parse(read(file).trim())).toMatchObject({ level: 30, requestId: "r-1", service: "kyro" });
  });

  it("keeps every line, in order, under a burst larger than the buffer", async () => {
    const file = join(dir, "burst.log");
    const logger = createLogger({ level: "info", destination: logDestination(file) });
    for (let i = 0; i < 2_000; i++) logger.info({ i }, "burst");
    await expect
      .poll(() => read(file).trim().split("\n").length, { timeout: 5_000, interval: 50 })
      .toBe(2_000);
    const lines = read(file)
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { i: number });
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
  });

  it("writes what is still buffered when the process exits", () => {
    const file = join(dir, "exit.log");
    const logger = fileURLToPath(new URL("../src/logger.ts", import.meta.url));
    const script = `import { createLogger, logDestination } from ${JSON.stringify(logger)};
      createLogger({ level: "info", destination: logDestination(${JSON.stringify(file)}) }).info("last words");
      process.exit(0);`;
    execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../../..", import.meta.url)),
    });
    expect(read(file)).toContain('"msg":"last words"');
  });

  it("keeps every line when stdout is a pipe that fills faster than it is read", async () => {
    const logger = fileURLToPath(new URL("../src/logger.ts", import.meta.url));
    const script = `import { createLogger } from ${JSON.stringify(logger)};
      const log = createLogger({ level: "info" });
      for (let i = 0; i < 100000; i++) log.info({ i }, "piped");`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../../..", import.meta.url)),
      stdio: ["ignore", "pipe", "inherit"],
    });
    // Read slowly at first, so the pipe fills and the writer has to wait for it.
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    let count = 0;
    let last = -1;
    let ordered = true;
    for await (const line of createInterface({ input: child.stdout })) {
      const { i } = JSON.parse(line) as { i: number };
      if (i !== last + 1) ordered = false;
      last = i;
      count++;
    }
    expect({ count, ordered }).toEqual({ count: 100_000, ordered: true });
    // sonic-boom waits 100 ms before retrying a full pipe, so a slow reader costs this test seconds.
  }, 60_000);
});
