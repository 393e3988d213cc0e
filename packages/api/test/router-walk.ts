import type { AnyProcedure } from "@trpc/server";
import { expect } from "vitest";
import { loadRouter } from "../src/core/openapi/procedures";
import { PERMISSIONS, type Permission, SCOPE_REACH, scopesGranting } from "../src/core/policy";
import type { ProcedureMeta } from "../src/core/trpc";
import { appRouter } from "../src/root";
import type { Caller } from "./harness";

/** Shared by the tests that walk the whole router by its meta (nothing here names a procedure). */

export interface WalkedProcedure {
  path: string;
  type: string;
  meta: Partial<ProcedureMeta>;
}

export async function walkProcedures(): Promise<WalkedProcedure[]> {
  await loadRouter(appRouter);
  return Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).map(
    ([path, procedure]) => {
      // The builder's meta is set at runtime but not part of tRPC's public procedure type.
      const def = procedure._def as typeof procedure._def & { meta?: Partial<ProcedureMeta> };
      return { path, type: def.type, meta: def.meta ?? {} };
    },
  );
}

export const isPermission = (value: unknown): value is Permission =>
  PERMISSIONS.includes(value as Permission);

/** Whether some scope a bot-restricted key may hold grants the permission. */
export const botScopable = (permission: Permission): boolean =>
  scopesGranting(permission).some((scope) => SCOPE_REACH[scope] === "bot");

export function callableAt(caller: Caller, path: string): (input: unknown) => Promise<unknown> {
  const target = path
    .split(".")
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller as unknown);
  expect(typeof target, path).toBe("function");
  return target as (input: unknown) => Promise<unknown>;
}
