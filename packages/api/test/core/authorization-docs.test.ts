import { readFileSync } from "node:fs";
import { ROLES } from "@kyro/db";
import { beforeAll, describe, expect, it } from "vitest";
import {
  API_KEY_SCOPES,
  PERMISSIONS,
  roleHasPermission,
  SCOPE_REACH,
  scopesHavePermission,
} from "../../src/core/policy";
import { botScopable, isPermission, type WalkedProcedure, walkProcedures } from "../router-walk";

/** docs/authorization.md states the policy; its tables must say what policy.ts and the router do. */

const DOC = readFileSync(new URL("../../../../docs/authorization.md", import.meta.url), "utf8");

/** The cells of the first Markdown table after a heading, header and separator rows left out. */
function tableAfter(heading: string): string[][] {
  const lines = DOC.split("\n");
  const start = lines.findIndex((line) => line.replace(/^#+\s*/, "") === heading);
  expect(start, `heading "${heading}"`).toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("|")) rows.push(line);
    else if (rows.length > 0 || line.startsWith("#")) break;
  }
  return rows.slice(2).map((row) =>
    row
      .slice(1, -1)
      .split("|")
      .map((cell) => cell.trim().replaceAll("`", "")),
  );
}

const mark = (held: boolean) => (held ? "✓" : "");

let procedures: WalkedProcedure[];
beforeAll(async () => {
  procedures = await walkProcedures();
});

describe("docs/authorization.md", () => {
  it("lists the roles' permissions exactly as policy.ts grants them", () => {
    expect(tableAfter("Roles → permissions")).toEqual(
      PERMISSIONS.map((permission) => [
        permission,
        ...ROLES.map((role) => mark(roleHasPermission(role, permission))),
      ]),
    );
  });

  it("lists the API-key scopes' permissions exactly as policy.ts grants them", () => {
    expect(tableAfter("API-key scopes → permissions")).toEqual(
      PERMISSIONS.map((permission) => [
        permission,
        ...API_KEY_SCOPES.map((scope) => mark(scopesHavePermission([scope], permission))),
      ]),
    );
  });

  it("states each scope's reach as policy.ts does", () => {
    expect(tableAfter("Scope reach")).toEqual(
      API_KEY_SCOPES.map((scope) => [scope, SCOPE_REACH[scope], SCOPE_REACH[scope] === "bot" ? "yes" : "no"]),
    );
  });

  it("lists every procedure a bot-restricted key can reach, with the confinement the router declares", () => {
    const reachable = procedures.filter(
      (procedure) => isPermission(procedure.meta.requires) && botScopable(procedure.meta.requires),
    );
    expect(reachable.length).toBeGreaterThan(0);
    expect(tableAfter("What a bot-restricted key reaches")).toEqual(
      reachable.map(({ path, meta }) => [path, String(meta.requires), meta.botScope ?? "org-wide"]),
    );
  });
});
