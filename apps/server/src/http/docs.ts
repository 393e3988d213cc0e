import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { OPENAPI_PATH } from "./openapi-route";

export const DOCS_PATH = "/docs";
const ASSETS_PREFIX = "/docs/assets/";

/**
 * The reference page runs Swagger UI from this server only: scripts and styles from files served
 * here (no inline code, no CDN — users run Kyro behind firewalls), data: images for its icons, and
 * fetches of the document and "try it out" calls to this origin.
 */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kyro API reference</title>
<link rel="stylesheet" href="${ASSETS_PREFIX}swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSETS_PREFIX}swagger-ui-bundle.js"></script>
<script src="${ASSETS_PREFIX}init.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
const INIT_SCRIPT = `"use strict";
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "${OPENAPI_PATH}",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
`;

interface Asset {
  contentType: string;
  load(): Promise<Buffer>;
}

const swaggerUiDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** Read from node_modules on first use and kept: the bundle is large and never changes while running. */
function packaged(file: string, contentType: string): Asset {
  let content: Promise<Buffer> | undefined;
  return {
    contentType,
    load() {
      content ??= readFile(join(swaggerUiDir, file));
      return content;
    },
  };
}

function inline(text: string, contentType: string): Asset {
  const content = Buffer.from(text, "utf8");
  return { contentType, load: async () => content };
}

/** The only files served under /docs/assets: a fixed list, so no request path ever reaches the disk. */
const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ["swagger-ui-bundle.js", packaged("swagger-ui-bundle.js", "text/javascript; charset=utf-8")],
  ["swagger-ui.css", packaged("swagger-ui.css", "text/css; charset=utf-8")],
  ["init.js", inline(INIT_SCRIPT, "text/javascript; charset=utf-8")],
]);

const PAGE_ASSET = inline(PAGE, "text/html; charset=utf-8");

function send(res: ServerResponse, contentType: string, content: Buffer): void {
  res.statusCode = 200;
  res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", content.length);
  res.end(content);
}

export interface DocsRoute {
  /** Route label for logs and metrics. */
  label: string;
  serve(res: ServerResponse): Promise<void>;
}

/** The page or one of its assets, or null when the path is neither. */
export function docsRoute(pathname: string): DocsRoute | null {
  const asset =
    pathname === DOCS_PATH
      ? PAGE_ASSET
      : pathname.startsWith(ASSETS_PREFIX)
        ? ASSETS.get(pathname.slice(ASSETS_PREFIX.length))
        : undefined;
  if (!asset) return null;
  return {
    label: asset === PAGE_ASSET ? DOCS_PATH : `${ASSETS_PREFIX}{asset}`,
    async serve(res) {
      const content = await asset.load();
      res.setHeader("Content-Security-Policy", DOCS_CSP);
      if (asset !== PAGE_ASSET) res.setHeader("Cache-Control", "public, max-age=3600");
      send(res, asset.contentType, content);
    },
  };
}
