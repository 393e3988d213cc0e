import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

/**
 * The first screen's JavaScript budget (issue #11: ≤ 250 KB gzip): what index.html loads (its entry
 * script and the chunks it preloads) and the sign-in page's chunk, the first screen a visitor sees. Measured on the build `npm run build`
 * made (the suite's global setup builds what is stale).
 */
const DIST = fileURLToPath(new URL("../dist", import.meta.url));
const BUDGET_BYTES = 250 * 1024;

function firstScreenScripts(html: string): string[] {
  const scripts = [...html.matchAll(/<script[^>]*\bsrc="\/console\/([^"]+\.js)"/g)].map((match) => match[1]);
  const preloads = [...html.matchAll(/<link rel="modulepreload"[^>]*href="\/console\/([^"]+\.js)"/g)].map(
    (match) => match[1],
  );
  const signIn = readdirSync(join(DIST, "assets"))
    .filter((file) => /^sign-in-.*\.js$/.test(file))
    .map((file) => `assets/${file}`);
  return [...scripts, ...preloads, ...signIn].filter((file): file is string => file !== undefined);
}

describe("console build", () => {
  const html = existsSync(join(DIST, "index.html")) ? readFileSync(join(DIST, "index.html"), "utf8") : "";

  it("has no inline script (the CSP allows none)", () => {
    expect(html).not.toBe("");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it(`loads at most ${BUDGET_BYTES / 1024} KB gzip of JavaScript for the first screen`, () => {
    const files = firstScreenScripts(html);
    expect(files.length).toBeGreaterThan(0);
    const gzipped = files.reduce((total, file) => total + gzipSync(readFileSync(join(DIST, file))).length, 0);
    console.log(
      `console first screen: ${(gzipped / 1024).toFixed(1)} KB gzip of JavaScript (${files.join(", ")})`,
    );
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
