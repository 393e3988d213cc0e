import { describe, expect, it } from "vitest";
import { type AccessEntry, createAccessLog } from "../src/access-log";
import { createLogger } from "../src/logger";

function capture(level = "info") {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines };
}

const entry: AccessEntry = {
  requestId: "3f1c2a9e-8d7b-4c6a-9e5f-1a2b3c4d5e6f",
  method: "GET",
  route: "/api/v1/me",
  status: 200,
  durationMs: 1.25,
  userId: undefined,
  orgId: "7c2e1d4f-3e5b-4f9c-8d6e-1b2c3d4e5f60",
  aborted: false,
};

describe("the access log line", () => {
  it("is one JSON line with the fixed fields, the logger's bindings and msg 'request'", () => {
    const { logger, lines } = capture();
    createAccessLog(logger)(entry);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
    const { userId: _absent, ...written } = entry;
    expect(line).toMatchObject({ level: 30, service: "kyro", msg: "request", ...written });
    expect(Object.keys(line)).not.toContain("userId");
    expect(typeof line.time).toBe("string");
  });

  it("escapes what it writes, so a line stays one valid JSON object", () => {
    const { logger, lines } = capture();
    createAccessLog(logger)({ ...entry, route: 'un"matched\\\n', status: 499, aborted: true });
    expect(lines[0]?.endsWith("}\n")).toBe(true);
    expect(lines[0]?.trimEnd().includes("\n")).toBe(false);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ route: 'un"matched\\\n', aborted: true });
  });

  it("keeps the bindings of a child logger", () => {
    const { logger, lines } = capture();
    createAccessLog(logger.child({ component: "http" }))(entry);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ service: "kyro", component: "http" });
  });

  it("writes nothing when the level is above info", () => {
    const { logger, lines } = capture("warn");
    createAccessLog(logger)(entry);
    expect(lines).toEqual([]);
  });
});
