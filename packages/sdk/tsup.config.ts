import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  target: "es2022",
  platform: "neutral",
  clean: true,
  dts: {
    // Inline the router type from the workspace sources: the published declarations must not refer to
    // any @kyro/* package (they are private and never installed next to the SDK). The workspace
    // packages export TypeScript sources, so they are mapped here for the declaration bundler.
    compilerOptions: {
      paths: {
        "@kyro/api": ["../api/src/index.ts"],
        "@kyro/db": ["../db/src/index.ts"],
        "@kyro/platform": ["../platform/src/index.ts"],
      },
    },
  },
});
