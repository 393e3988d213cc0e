// Bundles the widget into one minified script, dist/widget.js: an IIFE with no imports, so a page loads
// it with a single <script> tag and nothing else is fetched.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/widget.js",
  bundle: true,
  minify: true,
  format: "iife",
  // Browsers of the last few years run ES2020 natively (async/await, async iteration): smaller output.
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
});
