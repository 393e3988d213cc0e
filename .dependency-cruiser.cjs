/**
 * The layering rules (docs/architecture.md): dependencies point one way, server -> api -> platform, db;
 * inside the api, top-level composition -> domains -> domains/shared -> core. Run by `npm run lint`.
 */
const API = "^packages/api/src/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycles anywhere, type-only imports included.",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "Every import resolves to a file or an installed package.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-non-package-json",
      severity: "error",
      comment: "A workspace package imports only what its own package.json declares.",
      from: { path: "^(apps|packages)/" },
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
    {
      name: "apps-to-packages-by-name",
      severity: "error",
      comment: "Apps use packages through their names (@kyro/...), never by a relative path into packages/.",
      from: { path: "^apps/" },
      to: { path: "^packages/", dependencyTypes: ["local"], dependencyTypesNot: ["aliased-tsconfig"] },
    },
    {
      name: "packages-not-to-apps",
      severity: "error",
      comment:
        "Packages never depend on an app. (The SDK's end-to-end tests start the real server through its " +
        "test harness; that is the one way back, and it is test code.)",
      from: { path: "^packages/", pathNot: "^packages/sdk/test/" },
      to: { path: "^apps/" },
    },
    {
      name: "platform-db-not-to-api",
      severity: "error",
      comment: "The adapters (platform) and the schema (db) sit below the api and the sdk.",
      from: { path: "^packages/(platform|db)/" },
      to: { path: "^packages/(api|sdk)/" },
    },
    {
      name: "sdk-types-only-from-api",
      severity: "error",
      comment: "The SDK imports the api's types (AppRouter) and nothing that runs.",
      from: { path: "^packages/sdk/src/" },
      to: { path: "^packages/api/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "api-core-not-to-domains",
      severity: "error",
      comment:
        "The api core declares interfaces; domains implement them and the wiring module joins them. " +
        "The core never imports a domain or the composition modules, not even their types.",
      from: { path: `${API}core/` },
      to: { path: `${API}(domains/|root\\.ts|wiring\\.ts|jobs\\.ts|index\\.ts)` },
    },
    {
      name: "domains-not-to-composition",
      severity: "error",
      comment: "Domains sit below the modules that compose them (index, root, wiring, jobs).",
      from: { path: `${API}domains/` },
      to: { path: `${API}(root|wiring|jobs|index)\\.ts$` },
    },
    {
      name: "shared-not-to-domains",
      severity: "error",
      comment: "domains/shared holds what several domains use; it depends on the core only.",
      from: { path: `${API}domains/shared/` },
      to: { path: `${API}domains/`, pathNot: `${API}domains/shared/` },
    },
    {
      name: "no-domain-internals",
      severity: "error",
      comment:
        "A domain uses another domain only through that domain's index.ts (its public surface); " +
        "pieces several domains share live in domains/shared.",
      from: { path: `${API}domains/([^/]+)/` },
      to: {
        path: `${API}domains/`,
        pathNot: [`${API}domains/$1/`, `${API}domains/shared/`, `${API}domains/[^/]+/index\\.ts$`],
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // The SDK consumer fixture compiles only inside a temporary project, against the packed SDK.
    exclude: { path: ["^(apps|packages)/[^/]+/dist/", "^packages/sdk/test/consumer/"] },
    tsPreCompilationDeps: true,
    // The SDK's exports point at its build (it is published); the apps that import it are checked
    // against its sources, so lint needs no build first.
    tsConfig: { fileName: "tsconfig.depcruise.json" },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json", ".d.ts"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
