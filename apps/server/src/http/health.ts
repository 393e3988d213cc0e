import type { ServerResponse } from "node:http";
import { sendJson } from "./envelope";

/** A readiness check resolves when its dependency answers and rejects otherwise. */
export type ReadinessChecks = Readonly<Record<string, () => Promise<unknown>>>;

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout(check: () => Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([check(), timeout]).finally(() => clearTimeout(timer));
}

export function sendLiveness(res: ServerResponse): void {
  sendJson(res, 200, { status: "ok" });
}

/** 200 when every dependency answers, else 503 naming each failing check and why. */
export async function sendReadiness(res: ServerResponse, checks: ReadinessChecks): Promise<void> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check);
        return [name, "ok"] as const;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return [name, `failed: ${reason.split("\n", 1)[0]}`] as const;
      }
    }),
  );
  const ready = entries.every(([, state]) => state === "ok");
  sendJson(res, ready ? 200 : 503, {
    status: ready ? "ok" : "unavailable",
    checks: Object.fromEntries(entries),
  });
}
