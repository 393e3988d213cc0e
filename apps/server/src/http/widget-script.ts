import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { AppError } from "@kyro/api";

/** The stable URL the snippet loads: the current build, re-checked by browsers every few minutes. */
export const WIDGET_SCRIPT_PATH = "/widget.js";
/** `/widget/<hash>.js`: one build, forever. With an `integrity` attribute a page pins that build. */
const VERSIONED = /^\/widget\/([0-9a-f]{20})\.js$/;

const STABLE_CACHE = "public, max-age=300";
const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";

interface Script {
  hash: string;
  /** The Subresource Integrity value of the script (`sha384-…`). */
  integrity: string;
  plain: Buffer;
  gzipped: Buffer;
}

let loaded: Promise<Script> | undefined;

/** The built script (apps/widget), read on first use and kept: it changes only with a new release. */
function load(): Promise<Script> {
  loaded ??= (async () => {
    let file: string;
    try {
      file = createRequire(import.meta.url).resolve("@kyro/widget/widget.js");
    } catch {
      throw new AppError("NOT_FOUND", "The widget script is not built (run `npm run build`)", {
        resource: "WidgetScript",
      });
    }
    const plain = await readFile(file);
    return {
      hash: createHash("sha256").update(plain).digest("hex").slice(0, 20),
      integrity: `sha384-${createHash("sha384").update(plain).digest("base64")}`,
      plain,
      gzipped: gzipSync(plain, { level: 9 }),
    };
  })();
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}

const acceptsGzip = (req: IncomingMessage) => /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));

function send(req: IncomingMessage, res: ServerResponse, script: Script, cacheControl: string): void {
  const etag = `"${script.hash}"`;
  // A script any page may load (the widget's own calls are what the allowlist guards), also with
  // `crossorigin` for Subresource Integrity; it carries no credentials and reads none.
  res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Cache-Control", cacheControl);
  res.setHeader("ETag", etag);
  res.setHeader("Vary", "Origin, Accept-Encoding");
  res.setHeader("Link", `</widget/${script.hash}.js>; rel="canonical"`);
  res.setHeader("Kyro-Widget-Integrity", script.integrity);
  if (req.headers["if-none-match"] === etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const gzip = acceptsGzip(req);
  const body = gzip ? script.gzipped : script.plain;
  res.statusCode = 200;
  res.setHeader("Content-Type", "text/javascript; charset=utf-8");
  res.setHeader("Content-Length", body.length);
  if (gzip) res.setHeader("Content-Encoding", "gzip");
  res.end(req.method === "HEAD" ? undefined : body);
}

export interface WidgetScriptRoute {
  /** Route label for logs and metrics. */
  label: string;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** The widget script at its stable or its versioned URL, or null when the path is neither. */
export function widgetScriptRoute(pathname: string): WidgetScriptRoute | null {
  if (pathname === WIDGET_SCRIPT_PATH) {
    return {
      label: WIDGET_SCRIPT_PATH,
      serve: async (req, res) => send(req, res, await load(), STABLE_CACHE),
    };
  }
  const versioned = VERSIONED.exec(pathname);
  if (!versioned) return null;
  return {
    label: "/widget/{hash}.js",
    async serve(req, res) {
      const script = await load();
      // Only the build this server ships: an older hash is gone, and serving it new content would
      // break the integrity check of every page pinned to it.
      if (versioned[1] !== script.hash)
        throw new AppError("NOT_FOUND", "No such widget build", { resource: "WidgetScript" });
      send(req, res, script, IMMUTABLE_CACHE);
    },
  };
}
