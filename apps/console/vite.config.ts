import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv } from "vite";

/**
 * Served by Kyro under /console, calling /trpc on the same origin. `npm run dev -w @kyro/console`
 * proxies /trpc to KYRO_API_URL (any Kyro server), so the refresh cookie stays first-party there too.
 */
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), "KYRO_");
  const target = env.KYRO_API_URL ?? "http://127.0.0.1:3000";
  return {
    base: "/console/",
    plugins: [react()],
    build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
    server: { proxy: { "/trpc": { target, changeOrigin: true } } },
  };
});
