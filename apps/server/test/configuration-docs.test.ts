import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VARIABLES } from "../src/config";

/** docs/configuration.md is the operators' list of variables: it must name exactly what config.ts reads. */

const DOC = readFileSync(new URL("../../../docs/configuration.md", import.meta.url), "utf8");

/** The first cell of each row of the first table under `heading`, without backticks. */
function firstColumnAfter(heading: string): string[] {
  const lines = DOC.split("\n");
  const start = lines.indexOf(heading);
  expect(start, `heading "${heading}"`).toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("|")) rows.push(line);
    else if (rows.length > 0 || line.startsWith("#")) break;
  }
  return rows.slice(2).map((row) => (row.split("|")[1] ?? "").trim().replaceAll("`", ""));
}

describe("docs/configuration.md", () => {
  it("lists every environment variable config.ts reads, each once, and no other", () => {
    const documented = firstColumnAfter("## Variables");
    expect(new Set(documented).size, "a variable is listed twice").toBe(documented.length);
    expect([...documented].sort()).toEqual([...VARIABLES].sort());
  });
});
