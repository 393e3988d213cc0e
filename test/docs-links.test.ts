import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import GithubSlugger from "github-slugger";
import { describe, expect, it } from "vitest";

/**
 * Every relative link in the README and the guides must lead to a file, and its #fragment to a heading;
 * every repository path they name must exist (so a moved file shows up here).
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Guides written on other branches of the same issue and linked from here before they land. A link to
 * one of them is excused only while the file is missing; once it exists, the test below asks for its
 * removal from this list.
 */
const WRITTEN_ELSEWHERE = new Set<string>([]);

const documents = [
  "README.md",
  "bench/README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

/** The Markdown outside fenced code blocks, with inline code spans removed. */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split("\n").flatMap((line) => {
    if (line.trimStart().startsWith("```")) {
      fenced = !fenced;
      return [];
    }
    return fenced ? [] : [line.replace(/`[^`]*`/g, "")];
  });
}

/** GitHub's anchors for the headings of a Markdown file, duplicates numbered as GitHub numbers them. */
function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  let fenced = false;
  const anchors = new Set<string>();
  for (const line of markdown.split("\n")) {
    if (line.trimStart().startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*$/.exec(line);
    if (heading?.[1]) anchors.add(slugger.slug(heading[1].replaceAll("`", "")));
  }
  return anchors;
}

interface Link {
  from: string;
  target: string;
}

const links: Link[] = documents.flatMap((from) =>
  prose(readFileSync(join(ROOT, from), "utf8")).flatMap((line) =>
    [...line.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1] ?? "")
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .map((target) => ({ from, target })),
  ),
);

function problemWith({ from, target }: Link): string | null {
  const [path = "", fragment] = target.split("#");
  const file = path ? relative(ROOT, join(dirname(join(ROOT, from)), decodeURIComponent(path))) : from;
  if (!existsSync(join(ROOT, file))) {
    return WRITTEN_ELSEWHERE.has(file) ? null : `${from}: ${target} — no file ${file}`;
  }
  if (fragment === undefined) return null;
  if (!file.endsWith(".md")) return `${from}: ${target} — a #fragment into a file that is not Markdown`;
  const anchors = anchorsOf(readFileSync(join(ROOT, file), "utf8"));
  return anchors.has(fragment) ? null : `${from}: ${target} — no heading #${fragment} in ${file}`;
}

/** Repository paths the documents name in code spans, such as `packages/db/test/failed-query-rows.test.ts`. */
const namedPaths: Link[] = documents.flatMap((from) =>
  [
    ...readFileSync(join(ROOT, from), "utf8").matchAll(
      /`((?:apps|bench|docs|drizzle|packages|scripts|test)\/[\w./-]+)`/g,
    ),
  ].map((match) => ({ from, target: match[1] ?? "" })),
);

describe("documentation links", () => {
  it("finds the documents and their links", () => {
    expect(documents).toContain("docs/configuration.md");
    expect(links.length).toBeGreaterThan(50);
  });

  it("resolves every relative link to a file and every #fragment to a heading", () => {
    expect(links.map(problemWith).filter((problem) => problem !== null)).toEqual([]);
  });

  it("names only repository files that exist", () => {
    expect(namedPaths.length).toBeGreaterThan(5);
    const missing = namedPaths.filter(({ target }) => !existsSync(join(ROOT, target)));
    expect(missing.map(({ from, target }) => `${from}: ${target}`)).toEqual([]);
  });

  it("excuses no guide that exists", () => {
    expect([...WRITTEN_ELSEWHERE].filter((file) => existsSync(join(ROOT, file)))).toEqual([]);
  });
});
