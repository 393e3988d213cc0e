import { PERMISSIONS, roleHasPermission } from "@kyro/api";
import { describe, expect, it } from "vitest";
import { type Ability, can, type Role } from "../src/roles";

const ROLES: readonly Role[] = ["owner", "admin", "agent", "viewer"];

describe("the console's role table", () => {
  it("grants each role exactly the server's permissions (a link shown is a page the role may read)", () => {
    for (const role of ROLES) {
      const shown = PERMISSIONS.filter((permission) => can(role, permission as Ability));
      const server = PERMISSIONS.filter((permission) => roleHasPermission(role, permission));
      expect({ role, permissions: shown }).toEqual({ role, permissions: server });
    }
  });

  it("grants nothing without a role (no org chosen)", () => {
    expect(PERMISSIONS.some((permission) => can(undefined, permission as Ability))).toBe(false);
  });
});
