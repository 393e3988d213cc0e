import type { Options } from "tsup";

/**
 * How every workspace package compiles for production: ESM for Node 20, one file per entry, its
 * dependencies (npm and @kyro/* alike) left as imports, resolved from the package's own folder at run
 * time. No `keepNames`: nothing in Kyro reads a function's name.
 */
export const nodePackage = (entry: Record<string, string>): Options => ({
  entry,
  format: ["esm"],
  platform: "node",
  target: "node20",
  skipNodeModulesBundle: true,
  sourcemap: true,
  clean: true,
});
