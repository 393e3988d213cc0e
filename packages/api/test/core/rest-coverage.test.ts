import type { AnyProcedure } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRouter } from "../../src/core/openapi/procedures";
import { API_KEY_SCOPES, PERMISSIONS, type Permission, scopesGranting } from "../../src/core/policy";
import type { ProcedureMeta } from "../../src/core/trpc";
import { appRouter } from "../../src/root";
import { type Caller, createTestApp, type SeededOrg, type TestApp } from "../harness";

interface Walked {
  path: string;
  meta: ProcedureMeta | undefined;
}

async function walkRouter(): Promise<Walked[]> {
  await loadRouter(appRouter);
  return Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).map(
    ([path, proc]) => ({
      path,
      meta: (proc._def as typeof proc._def & { meta?: ProcedureMeta }).meta,
    }),
  );
}

function callableAt(caller: Caller, path: string): (input: unknown) => Promise<unknown> {
  return path
    .split(".")
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller as unknown) as (
    input: unknown,
  ) => Promise<unknown>;
}

const isPermission = (value: unknown): value is Permission => PERMISSIONS.includes(value as Permission);

let app: TestApp;
let org: SeededOrg;
let procedures: Walked[];
/** A key holding every scope: whatever it cannot call, no key can. */
let everyScope: Caller;

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Coverage");
  procedures = await walkRouter();
  const key = await app.seedApiKey(org.id, { scopes: [...API_KEY_SCOPES] });
  everyScope = app.caller(key.key);
});
afterAll(async () => {
  await app?.close();
});

/**
 * Whether an API key gets past authorization: the procedure is called with only `orgId` (or nothing),
 * so it either answers or fails validation — a FORBIDDEN with every scope means keys are refused
 * outright (user-only procedures such as switchOrg), UNAUTHORIZED that it takes no key at all.
 */
async function keyReachable(entry: Walked): Promise<boolean> {
  const input = isPermission(entry.meta?.requires) ? { orgId: org.id } : {};
  try {
    await callableAt(everyScope, entry.path)(input);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code !== "FORBIDDEN" && code !== "UNAUTHORIZED";
  }
}

describe("REST coverage", () => {
  it("gives every key-reachable procedure a REST route", async () => {
    const candidates = procedures.filter(
      (entry) =>
        entry.meta?.requires === "authenticated" ||
        (isPermission(entry.meta?.requires) && scopesGranting(entry.meta.requires).length > 0),
    );
    const reachable: string[] = [];
    const refused: string[] = [];
    for (const entry of candidates) ((await keyReachable(entry)) ? reachable : refused).push(entry.path);
    // The probe must tell the two apart, or this test would pass (or fail) whatever the router says.
    expect(reachable).toEqual(expect.arrayContaining(["audit.list", "orgs.get", "auth.me"]));
    expect(refused).toEqual(expect.arrayContaining(["auth.switchOrg", "orgs.members.leave"]));
    const withoutRoute = reachable.filter(
      (path) => !procedures.find((entry) => entry.path === path)?.meta?.rest,
    );
    expect(withoutRoute).toEqual([]);
  });

  it("never declares the same method and path twice", () => {
    const routes = procedures
      .flatMap((entry) => (entry.meta?.rest ? [entry.meta.rest] : []))
      .map((rest) => `${rest.method} ${rest.path.replaceAll(/\{\w+\}/g, "{}")}`);
    expect(routes.length).toBeGreaterThanOrEqual(6);
    expect(routes.filter((route, index) => routes.indexOf(route) !== index)).toEqual([]);
  });

  it("declares REST paths below /api/v1 without the prefix and with a summary and tags", () => {
    for (const entry of procedures) {
      const rest = entry.meta?.rest;
      if (!rest) continue;
      expect(rest.path, entry.path).toMatch(/^\/[a-z0-9{}/-]*$/i);
      expect(rest.path.startsWith("/api/"), entry.path).toBe(false);
      expect(rest.summary.length, entry.path).toBeGreaterThan(0);
      expect(rest.tags.length, entry.path).toBeGreaterThan(0);
    }
  });
});
