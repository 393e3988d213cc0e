import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

/** The budget of issue #17: what a page downloads for the widget, compressed. */
const BUDGET_GZIP_BYTES = 25 * 1024;

describe("the built widget script", () => {
  it("fits the size budget", async () => {
    const script = await readFile(new URL("../dist/widget.js", import.meta.url));
    expect(gzipSync(script, { level: 9 }).length).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });

  it("touches no cookie and names no other host", async () => {
    const script = (await readFile(new URL("../dist/widget.js", import.meta.url), "utf8")).toLowerCase();
    expect(script).not.toContain("cookie");
    expect(script.match(/https?:\/\/[a-z0-9.-]+/g) ?? []).toEqual([]);
  });
});
