import { readdir, readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, sep } from "node:path";

export const CONSOLE_PATH = "/console";
const ASSETS_DIR = "assets/";

/**
 * The admin console runs only code served from here: its own scripts and styles (no inline code; the
 * build emits none), data: images, and API calls to this origin. Nothing may frame it; it frames only
 * its own widget preview page.
 */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/**
 * The live preview of the real widget (/widget.js), framed by the bot page. The widget draws in a shadow
 * root whose stylesheet is an inline <style>, and shows the bot's logo from any https host; only the
 * console itself may frame this page.
 */
export const WIDGET_PREVIEW_FILE = "widget-preview.html";
const WIDGET_PREVIEW_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' https: data:",
  "connect-src 'self'",
  "frame-ancestors 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/** Vite names every file under assets/ by its content hash: a new build means new names. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** index.html names the current hashed files, so the browser must ask each time (a 304 is cheap). */
const REVALIDATE = "no-cache";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

interface BuiltFile {
  contentType: string;
  content: Buffer;
}

/** The console's build output, read once: the fixed set of files a request may get (no path reaches the disk). */
async function loadBuild(dir: string): Promise<Map<string, BuiltFile>> {
  const files = new Map<string, BuiltFile>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (!contentType) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path).split(sep).join("/"), { contentType, content: await readFile(path) });
  }
  return files;
}

/** apps/console/dist, found through the workspace package (the server depends on it, so it is built first). */
export function defaultConsoleDir(): string | null {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("@kyro/console/package.json")), "dist");
  } catch {
    return null;
  }
}

export interface ConsoleRoute {
  label: string;
  serve(res: ServerResponse): Promise<void>;
}

/**
 * Serves the console's build under /console. Hashed assets are immutable; every other path under
 * /console is a page of the app (its router reads the URL), answered with index.html. Null when the
 * path is not the console's, or when there is no build (the server then answers 404).
 */
export function createConsoleRoutes(dir: string | null) {
  let build: Promise<Map<string, BuiltFile>> | undefined;
  const files = () => {
    build ??= dir ? loadBuild(dir).catch(() => new Map()) : Promise.resolve(new Map());
    return build;
  };
  return (pathname: string): ConsoleRoute | null => {
    if (pathname !== CONSOLE_PATH && !pathname.startsWith(`${CONSOLE_PATH}/`)) return null;
    const file = pathname.slice(CONSOLE_PATH.length + 1);
    const isAsset = file.startsWith(ASSETS_DIR);
    return {
      label: isAsset ? `${CONSOLE_PATH}/${ASSETS_DIR}{asset}` : CONSOLE_PATH,
      async serve(res) {
        const built = await files();
        const found =
          built.get(file) ?? (isAsset || file.includes(".") ? undefined : built.get("index.html"));
        if (!found) {
          res.statusCode = 404;
          res.setHeader("Content-Type", "text/plain; charset=utf-8");
          res.end(built.size === 0 ? "The console is not built (npm run build)\n" : "Not found\n");
          return;
        }
        res.statusCode = 200;
        const preview = file === WIDGET_PREVIEW_FILE;
        res.setHeader("Content-Security-Policy", preview ? WIDGET_PREVIEW_CSP : CONSOLE_CSP);
        if (preview) res.setHeader("X-Frame-Options", "SAMEORIGIN");
        res.setHeader("Cache-Control", isAsset ? IMMUTABLE : REVALIDATE);
        res.setHeader("Content-Type", found.contentType);
        res.setHeader("Content-Length", found.content.length);
        res.end(found.content);
      },
    };
  };
}
