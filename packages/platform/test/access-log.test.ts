import { describe, expect, it } from "vitest";
import { type AccessEntry, createAccessLog } from "../src/access-log";
import { createLogger } from "../src/logger";

function capture(level = "info") {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines };
}

const entries: AccessEntry[] = [
  {
    requestId: "3f1c2a9e-8d7b-4c6a-9e5f-1a2b3c4d5e6f",
    method: "GET",
    route: "/api/v1/me",
    status: 200,
    durationMs: 1.25,
  },
  {
    requestId: "r-1",
    method: "POST",
    route: "/trpc/orgs.create",
    status: 201,
    durationMs: 0,
    userId: "6b1f0c3e-2d4a-4e8b-9c7d-0a1b2c3d4e5f",
    orgId: "7c2e1d4f-3e5b-4f9c-8d6e-1b2c3d4e5f60",
  },
  { requestId: "r-2", method: "OTHER", route: 'un"matched\\', status: 499, durationMs: 12.5, aborted: true },
];

describe("the access log line", () => {
  it.each(entries)("is byte for byte the line logger.info(entry, 'request') writes ($route)", (entry) => {
    const direct = capture();
    const viaPino = capture();
    createAccessLog(direct.logger)(entry);
    viaPino.logger.info(entry, "request");
    // The time is the only field that may differ between the two calls (a millisecond can pass).
    const withoutTime = (line: string | undefined) => line?.replace(/"time":"[^"]+"/, '"time":""');
    expect(withoutTime(direct.lines[0])).toBe(withoutTime(viaPino.lines[0]));
    expect(JSON.parse(direct.lines[0] ?? "")).toMatchObject({
      level: 30,
      service: "kyro",
      msg: "request",
      ...entry,
    });
  });

  it("keeps the bindings of a child logger", () => {
    const { logger, lines } = capture();
    createAccessLog(logger.child({ component: "http" }))(entries[0] as AccessEntry);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ service: "kyro", component: "http" });
  });

  it("writes nothing when the level is above info, and follows level changes", () => {
    const { logger, lines } = capture("warn");
    const log = createAccessLog(logger);
    log(entries[0] as AccessEntry);
    expect(lines).toEqual([]);
    logger.level = "debug";
    log(entries[0] as AccessEntry);
    expect(lines).toHaveLength(1);
  });
});
