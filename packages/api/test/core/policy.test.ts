import { ROLES, type Role } from "@kyro/db";
import type { AnyProcedure } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canAssignRole,
  PERMISSIONS,
  type Permission,
  type Requirement,
  ROLE_RANK,
  roleHasPermission,
} from "../../src/core/policy";
import type { ProcedureMeta } from "../../src/core/trpc";
import { appRouter } from "../../src/root";
import { type Caller, createTestApp, type SeededOrg, type TestApp } from "../harness";

const NON_ORG_REQUIREMENTS = ["public", "authenticated", "platform:admin"] as const;
const isPermission = (value: unknown): value is Permission => PERMISSIONS.includes(value as Permission);

interface Walked {
  path: string;
  type: string;
  requires: Requirement | undefined;
  hasOutput: boolean;
  inputCount: number;
}

/** Every procedure of the app router, lazy sub-routers included; nothing here names a procedure. */
async function walkRouter(): Promise<Walked[]> {
  for (;;) {
    const pending = Object.values(appRouter._def.lazy);
    if (pending.length === 0) break;
    await Promise.all(pending.map((loader) => loader.load()));
  }
  const procedures = appRouter._def.procedures as unknown as Record<string, AnyProcedure>;
  return Object.entries(procedures).map(([path, procedure]) => {
    // `output` and the builder's meta are set at runtime but not part of tRPC's public procedure type.
    const def = procedure._def as typeof procedure._def & { output?: unknown; meta?: Partial<ProcedureMeta> };
    return {
      path,
      type: def.type,
      requires: def.meta?.requires,
      hasOutput: def.output !== undefined,
      inputCount: def.inputs.length,
    };
  });
}

function callableAt(caller: Caller, path: string): (input: unknown) => Promise<unknown> {
  const target = path
    .split(".")
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller as unknown);
  expect(typeof target, path).toBe("function");
  return target as (input: unknown) => Promise<unknown>;
}

let app: TestApp;
let procedures: Walked[];
let org: SeededOrg;
let neighbour: SeededOrg;

beforeAll(async () => {
  app = await createTestApp();
  procedures = await walkRouter();
  org = await app.seedOrg("Policy");
  neighbour = await app.seedOrg("Policy Neighbour");
});
afterAll(async () => {
  await app?.close();
});

const orgScoped = () => procedures.filter((procedure) => isPermission(procedure.requires));
const signedIn = () => procedures.filter((procedure) => procedure.requires !== "public");

describe("router-wide declarations", () => {
  it("finds org-scoped procedures to check, so the walk cannot pass vacuously", () => {
    expect(orgScoped().length).toBeGreaterThan(0);
  });

  it("declares a known requirement on every procedure", () => {
    const missing = procedures.filter(
      (procedure) =>
        !isPermission(procedure.requires) &&
        !NON_ORG_REQUIREMENTS.includes(procedure.requires as (typeof NON_ORG_REQUIREMENTS)[number]),
    );
    expect(missing.map((procedure) => `${procedure.path}: ${String(procedure.requires)}`)).toEqual([]);
  });

  it("declares an input and an output parser on every procedure", () => {
    expect(procedures.filter((procedure) => !procedure.hasOutput).map((procedure) => procedure.path)).toEqual(
      [],
    );
    expect(
      procedures.filter((procedure) => procedure.inputCount === 0).map((procedure) => procedure.path),
    ).toEqual([]);
  });
});

describe("org-scoped procedures", () => {
  it("answer NOT_FOUND to the owner of another org, before looking at the rest of the input", async () => {
    const outsider = app.caller(neighbour.owner.accessToken);
    for (const { path } of orgScoped()) {
      await expect(callableAt(outsider, path)({ orgId: org.id }), path).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    }
  });

  it("answer FORBIDDEN to members whose role lacks the permission", async () => {
    let checked = 0;
    for (const { path, requires } of orgScoped()) {
      for (const role of ROLES) {
        if (roleHasPermission(role, requires as Permission)) continue;
        checked++;
        await expect(
          callableAt(app.caller(org[role].accessToken), path)({ orgId: org.id }),
          `${path} as ${role}`,
        ).rejects.toMatchObject({ code: "FORBIDDEN" });
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe("signed-in procedures", () => {
  it("answer UNAUTHORIZED without a token or with a bad one", async () => {
    const checked = signedIn();
    expect(checked.length).toBeGreaterThan(0);
    for (const { path, requires } of checked) {
      const input = isPermission(requires) ? { orgId: org.id } : {};
      for (const token of [undefined, "not-a-jwt"]) {
        await expect(callableAt(app.caller(token), path)(input), `${path} (${token})`).rejects.toMatchObject({
          code: "UNAUTHORIZED",
        });
      }
    }
  });
});

describe("role → permission table", () => {
  const ALL: readonly Role[] = ["owner", "admin", "agent", "viewer"];
  const MANAGERS: readonly Role[] = ["owner", "admin"];
  const AGENTS: readonly Role[] = ["owner", "admin", "agent"];
  /** The exact matrix; a new permission fails to compile here until someone decides who holds it. */
  const EXPECTED: Record<Permission, readonly Role[]> = {
    "org:read": ALL,
    "org:update": MANAGERS,
    "members:read": ALL,
    "members:manage": MANAGERS,
    "audit:read": MANAGERS,
    "audit:export": MANAGERS,
    "keys:manage": MANAGERS,
    "limits:read": ALL,
    "bots:read": ALL,
    "bots:write": MANAGERS,
    "conversations:read": ALL,
    "conversations:reply": AGENTS,
    "escalations:read": ALL,
    "escalations:write": AGENTS,
    "feedback:submit": ALL,
    "leads:read": AGENTS,
    "leads:write": AGENTS,
    "leads:export": MANAGERS,
    "webhooks:manage": MANAGERS,
    "integrations:manage": MANAGERS,
    "ai:read": ALL,
    "ai:manage": MANAGERS,
    "actions:read": AGENTS,
    "actions:manage": MANAGERS,
    "actions:run": MANAGERS,
    "analytics:read": ALL,
    "exports:manage": MANAGERS,
    "retention:manage": MANAGERS,
    "compliance:manage": MANAGERS,
    "org:delete": ["owner"],
  };

  it("grants exactly the expected permissions to each role", () => {
    expect([...PERMISSIONS].sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const role of ROLES) {
      const granted = PERMISSIONS.filter((permission) => roleHasPermission(role, permission));
      const expected = PERMISSIONS.filter((permission) => EXPECTED[permission].includes(role));
      expect(granted, role).toEqual(expected);
    }
    expect(PERMISSIONS.filter((permission) => roleHasPermission("viewer", permission))).toEqual([
      "org:read",
      "members:read",
      "limits:read",
      "bots:read",
      "conversations:read",
      "escalations:read",
      "feedback:submit",
      "ai:read",
      "analytics:read",
    ]);
    expect(PERMISSIONS.every((permission) => roleHasPermission("owner", permission))).toBe(true);
    // The admin holds everything but deleting the organization, which is the owner's alone.
    expect(PERMISSIONS.filter((permission) => !roleHasPermission("admin", permission))).toEqual([
      "org:delete",
    ]);
  });

  it("denies a permission it does not know", () => {
    for (const role of ROLES) {
      expect(roleHasPermission(role, "billing:manage" as Permission)).toBe(false);
      expect(roleHasPermission(role, "" as Permission)).toBe(false);
    }
  });

  it("ranks owner > admin > agent > viewer", () => {
    expect([...ROLES].sort((a, b) => ROLE_RANK[b] - ROLE_RANK[a])).toEqual([
      "owner",
      "admin",
      "agent",
      "viewer",
    ]);
  });

  it("lets owners assign anything, admins manage non-owners, and nobody else assign roles", () => {
    const targets: (Role | null)[] = [null, ...ROLES];
    for (const actor of ROLES) {
      for (const current of targets) {
        for (const next of targets) {
          const expected =
            actor === "owner" || (actor === "admin" && current !== "owner" && next !== "owner");
          expect(canAssignRole(actor, current, next), `${actor}: ${current} → ${next}`).toBe(expected);
        }
      }
    }
  });
});
