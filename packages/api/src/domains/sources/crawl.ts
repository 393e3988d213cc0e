import type { OutboundClient } from "@kyro/platform";
import robotsParser from "robots-parser";
import { extractHtml } from "./extract";

export interface CrawlOptions {
  startUrl: string;
  /** 0: the start page only. */
  maxDepth: number;
  maxPages: number;
  /** Largest page read; a longer one is cut there. */
  maxPageBytes: number;
  timeoutMs: number;
}

export interface CrawledPage {
  url: string;
  title: string;
  text: string;
}

export interface CrawlResult {
  pages: CrawledPage[];
  /** Pages that could not be fetched or read, with why (kept short, shown on the sync job). */
  errors: string[];
}

const USER_AGENT = "KyroBot";

/** The URL without its fragment, so `page#a` and `page#b` are one page. */
function canonical(url: URL): string {
  const copy = new URL(url);
  copy.hash = "";
  return copy.href;
}

async function robotsFor(outbound: OutboundClient, origin: string, timeoutMs: number) {
  const url = `${origin}/robots.txt`;
  try {
    const response = await outbound.send({ url, timeoutMs, maxResponseBytes: 256 * 1024 });
    return robotsParser(url, response.status === 200 ? response.body.toString("utf8") : "");
  } catch {
    // No robots.txt reachable: the usual reading is that everything may be crawled.
    return robotsParser(url, "");
  }
}

/**
 * Breadth-first over one site: same origin only, each URL once (a loop of links ends there), up to
 * `maxDepth` links from the start and `maxPages` pages, robots.txt honoured for Kyro's user agent.
 * Redirects are not followed by the guarded client: a same-site `Location` is queued like a link.
 */
export async function crawlSite(outbound: OutboundClient, options: CrawlOptions): Promise<CrawlResult> {
  const start = new URL(options.startUrl);
  const robots = await robotsFor(outbound, start.origin, options.timeoutMs);
  const seen = new Set<string>([canonical(start)]);
  const queue: { url: string; depth: number }[] = [{ url: canonical(start), depth: 0 }];
  const pages: CrawledPage[] = [];
  const errors: string[] = [];
  const enqueue = (href: string, base: string, depth: number) => {
    let next: URL;
    try {
      next = new URL(href, base);
    } catch {
      return;
    }
    if (next.origin !== start.origin || depth > options.maxDepth) return;
    const key = canonical(next);
    if (seen.has(key)) return;
    seen.add(key);
    queue.push({ url: key, depth });
  };
  while (queue.length > 0 && pages.length < options.maxPages) {
    const { url, depth } = queue.shift() as { url: string; depth: number };
    if (robots.isAllowed(url, USER_AGENT) === false) continue;
    let response: Awaited<ReturnType<OutboundClient["send"]>>;
    try {
      response = await outbound.send({
        url,
        timeoutMs: options.timeoutMs,
        maxResponseBytes: options.maxPageBytes,
        headers: { "user-agent": USER_AGENT, accept: "text/html,text/plain" },
      });
    } catch (error) {
      errors.push(`${url}: ${(error as Error).message}`);
      continue;
    }
    if (response.status >= 300 && response.status < 400 && response.headers.location) {
      enqueue(response.headers.location, url, depth);
      continue;
    }
    if (response.status !== 200) {
      errors.push(`${url}: HTTP ${response.status}`);
      continue;
    }
    const type = response.headers["content-type"] ?? "";
    const body = response.body.toString("utf8");
    if (type.includes("text/plain")) {
      pages.push({ url, title: url, text: body.trim() });
      continue;
    }
    if (!type.includes("html")) {
      errors.push(`${url}: not an HTML page (${type.split(";")[0] || "no content type"})`);
      continue;
    }
    const page = extractHtml(body);
    pages.push({ url, title: page.title ?? url, text: page.text });
    if (depth < options.maxDepth) {
      for (const anchor of page.document.querySelectorAll("a[href]")) {
        enqueue(anchor.getAttribute("href") ?? "", url, depth + 1);
      }
    }
  }
  return { pages, errors };
}
