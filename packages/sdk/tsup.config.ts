import { defineConfig } from "tsup";

export default defineConfig({
  // `widget` is the visitor client on its own (no tRPC, no superjson) for the widget script; the code
  // both entries share lands in one chunk, so `KyroWidgetError` is one class whichever entry it came from.
  entry: ["src/index.ts", "src/widget.ts"],
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
