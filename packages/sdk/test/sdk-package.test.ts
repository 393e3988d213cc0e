import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../apps/server/test/server-harness";

/**
 * The SDK as a partner gets it: built, packed, installed into a project outside the workspace with
 * only its declared dependencies, type-checked with `skipLibCheck: false`, and run against a live server.
 */

const sdkDir = fileURLToPath(new URL("..", import.meta.url));
const consumerDir = fileURLToPath(new URL("./consumer/", import.meta.url));

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** npm sets these when the suite runs under `npm run`/`npm test`; they must not steer the child npm. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // biome-ignore lint/style/noProcessEnv: the child npm inherits this run's environment, less npm's own variables.
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|config_workspace|config_prefix)/i.test(name) || name === "INIT_CWD") {
      continue;
    }
    env[name] = value;
  }
  return { ...env, ...extra };
}

function run(command: string, args: string[], cwd: string, env = childEnv()): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") {
        reject(error);
        return;
      }
      resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
    });
  });
}

async function runOk(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv) {
  const result = await run(command, args, cwd, env);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** Module specifiers a declaration or JS file refers to (imports, exports, import types, references). */
function moduleSpecifiers(source: string): string[] {
  const patterns = [
    /\bfrom\s+["']([^"']+)["']/g,
    /\bimport\s+["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
    /\/\/\/\s*<reference\s+(?:types|path)=["']([^"']+)["']/g,
  ];
  return [...new Set(patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1] ?? "")))];
}

let server: TestServer;
let work: string;
let project: string;
let packedFiles: string[];
/** Every built file's text, by its path in the package (`dist/index.js`, ...). */
let built: Map<string, string>;
let compilations: Record<"consumer" | "wrongInput" | "emitted", Promise<RunResult>>;

/** The built files whose path matches, joined. */
const builtText = (pattern: RegExp) =>
  [...built].filter(([path]) => pattern.test(path)).map(([, text]) => text);

const tsc = (args: string[]) =>
  run(
    process.execPath,
    [
      join(project, "node_modules/typescript/bin/tsc"),
      "--strict",
      "--skipLibCheck",
      "false",
      "--target",
      "es2022",
      // tRPC's own declarations use `Disposable`; @types/node declares it too, but this project has none.
      "--lib",
      "es2022,dom,esnext.disposable",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--pretty",
      "false",
      ...args,
    ],
    project,
  );

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kyro-sdk-"));
  project = join(work, "consumer");
  const started = startTestServer();
  try {
    await runOk("npm", ["run", "build"], sdkDir);
    const packed = await runOk("npm", ["pack", "--json", "--pack-destination", work], sdkDir);
    const [manifest] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    if (!manifest) throw new Error("npm pack reported nothing");
    packedFiles = manifest.files.map((file) => file.path);
    const distFiles = packedFiles.filter((path) => path.startsWith("dist/"));
    built = new Map(
      await Promise.all(
        distFiles.map(async (path) => [path, await readFile(join(sdkDir, path), "utf8")] as const),
      ),
    );

    await mkdir(project);
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "kyro-sdk-consumer", private: true, type: "module" }),
    );
    await runOk(
      "npm",
      [
        "install",
        join(work, manifest.filename),
        "typescript@5.9.3",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
      ],
      project,
    );
    for (const file of ["consumer.ts", "type-checks.ts", "wrong-input.ts"]) {
      await copyFile(join(consumerDir, file), join(project, file));
    }
    // Independent compilations, started together; the tests below await their results.
    compilations = {
      consumer: tsc(["--noEmit", "consumer.ts", "type-checks.ts"]),
      wrongInput: tsc(["--noEmit", "wrong-input.ts"]),
      emitted: tsc(["--outDir", "out", "consumer.ts"]),
    };
  } finally {
    server = await started;
  }
}, 240_000);

afterAll(async () => {
  if (compilations) await Promise.allSettled(Object.values(compilations));
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

// The tests await three tsc runs started together in beforeAll: on a busy machine that takes a while.
describe("@kyro/sdk package", { timeout: 120_000 }, () => {
  it("packs only the built files (two entry points and the chunks they share) and the README", () => {
    const entries = ["dist/index.d.ts", "dist/index.js", "dist/widget.d.ts", "dist/widget.js"];
    const others = packedFiles.filter((path) => ![...entries, "README.md", "package.json"].includes(path));
    expect(packedFiles).toEqual(expect.arrayContaining([...entries, "README.md", "package.json"]));
    for (const path of others) expect(path).toMatch(/^dist\/[\w-]+\.(js|d\.ts)$/);
  });

  it("ships JavaScript that imports only @trpc/client, @trpc/server/observable and superjson", () => {
    const external = (texts: string[]) =>
      [...new Set(texts.flatMap(moduleSpecifiers))].filter((specifier) => !specifier.startsWith("./")).sort();
    // The README lists these exactly; keep it in step.
    expect(external(builtText(/\.js$/))).toEqual(["@trpc/client", "@trpc/server/observable", "superjson"]);
    // The widget entry point, and every chunk it loads, import nothing.
    const widget = built.get("dist/widget.js") ?? "";
    const chunks = moduleSpecifiers(widget).map((specifier) => `dist/${specifier.replace(/^\.\//, "")}`);
    expect(chunks.length).toBeGreaterThan(0);
    expect(external([widget, ...chunks.map((chunk) => built.get(chunk) ?? "")])).toEqual([]);
  });

  it("ships declarations that inline the router and refer to no server package", () => {
    const declarations = builtText(/\.d\.ts$/).join("\n");
    expect(
      [...new Set(moduleSpecifiers(declarations))].filter((specifier) => !specifier.startsWith("./")).sort(),
    ).toEqual(["@trpc/client", "@trpc/server"]);
    // Server packages and drivers, quoted anywhere: import types can hide inside any expression.
    expect(declarations).not.toMatch(
      /["'](@kyro\/|drizzle-orm|postgres["'/]|@electric-sql\/pglite|ioredis|pino|@node-rs\/)/,
    );
    // The router itself is in the file, down to each procedure's input and output types.
    expect(declarations).toContain("declare const appRouter");
    expect(declarations).toMatch(
      /signup: _trpc_server\.TRPCMutationProcedure<\{\s+input: \{\s+email: string;/,
    );
  });

  // The compilations started in beforeAll; with skipLibCheck false one takes over 30 s on a busy machine.
  it("type-checks a consumer with skipLibCheck false", async () => {
    const result = await compilations.consumer;
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);

  it("rejects a wrong input type at compile time", async () => {
    const result = await compilations.wrongInput;
    expect(result.code).not.toBe(0);
    const errors = result.stdout.split("\n").filter((line) => line.startsWith("wrong-input.ts("));
    const source = (await readFile(join(project, "wrong-input.ts"), "utf8")).split("\n");
    const at = (fragment: string) => {
      const line = source.findIndex((text) => text.includes(fragment));
      return `wrong-input.ts(${line + 1},${(source[line] ?? "").indexOf(fragment) + 1})`;
    };
    // The number given for `name` is reported at the property, with the declaration it violates.
    expect(errors).toContainEqual(
      `${at("name: 42")}: error TS2322: Type 'number' is not assignable to type 'string'.`,
    );
    expect(errors).toContainEqual(
      expect.stringContaining(`${at("input);")}: error TS2345: Argument of type '{ name: number; }'`),
    );
    expect(result.stdout).toMatch(/^ {2}Types of property 'name' are incompatible\.$/m);
    // An API key and a refresh token in one options object: no overload takes both.
    expect(errors).toContainEqual(
      `${at('createKyroClient({ baseUrl: "http://127.0.0.1:9", apiKey')}: error TS2769: No overload matches this call.`,
    );
    expect(result.stdout).toMatch(
      /Argument of type '\{ baseUrl: string; apiKey: string; refreshToken: string; \}' is not assignable to parameter of type 'KyroClientOptions'/,
    );
    // A user session must name the org (an API key may leave it out: type-checks.ts compiles).
    expect(errors).toContainEqual(
      expect.stringContaining(`${at("{ limit: 10 }")}: error TS2345: Argument of type '{ limit: number; }'`),
    );
    expect(result.stdout).toMatch(/Property 'orgId' is missing in type '\{ limit: number; \}'/);
    // A visitor's session has no other procedures.
    expect(errors).toContainEqual(
      `${at("bots.list.query({ orgId")}: error TS2339: Property 'bots' does not exist on type 'KyroWidgetSession'.`,
    );
    expect(errors).toHaveLength(5);
  });

  it("runs the compiled consumer against a live server", async () => {
    const compiled = await compilations.emitted;
    expect(compiled.stdout + compiled.stderr).toBe("");
    const { email } = await server.app.caller().auth.signup({
      email: `consumer-verified-${Date.now()}@example.test`,
      password: "a long and unusual passphrase",
    });
    const mail = server.app.mailer.sent.find((message) => message.to === email);
    const verificationToken = decodeURIComponent(
      /verify-email\?token=(\S+)/.exec(mail?.text ?? "")?.[1] ?? "",
    );
    const result = await runOk(
      process.execPath,
      [join(project, "out/consumer.js")],
      project,
      childEnv({ KYRO_URL: server.url, KYRO_VERIFICATION_TOKEN: verificationToken }),
    );
    const output = JSON.parse(result.stdout.trim()) as {
      email: string;
      verificationRequired: boolean;
      sessionEmail: string;
      orgs: { id: string; name: string; role: string }[];
      orgId: string;
      auditActions: string[];
      datesRevived: boolean;
      unknownOrgError: string;
      switchedOrgId: string;
      secondOrgId: string;
      activeOrgAfterRefresh: string | null;
      persistedAdoptedPair: boolean;
      refreshPresentedAdopted: boolean;
      retiredTokenSentAgain: boolean;
      pairsPersisted: number;
      botNames: string[];
      keyBotNames: string[];
      widgetReplyRole: string;
      transcriptRoles: string[];
    };
    expect(output.verificationRequired).toBe(true);
    expect(output.email).toBe(email);
    expect(output.sessionEmail).toBe(email);
    expect(output.orgs).toEqual([{ id: output.orgId, name: "Consumer Org", role: "owner" }]);
    expect(output.auditActions).toContain("org.created");
    expect(output.datesRevived).toBe(true);
    expect(output.unknownOrgError).toBe("NOT_FOUND");
    // switchOrg's pair was adopted and persisted; the forced refresh presented it, never the retired one,
    // and the session survived it (still in the org it switched to).
    expect(output.switchedOrgId).toBe(output.secondOrgId);
    expect(output.persistedAdoptedPair).toBe(true);
    expect(output.refreshPresentedAdopted).toBe(true);
    expect(output.retiredTokenSentAgain).toBe(false);
    expect(output.activeOrgAfterRefresh).toBe(output.secondOrgId);
    expect(output.pairsPersisted).toBe(2);
    expect(output.botNames).toEqual(["Three", "Two", "One"]); // newest first
    // The API-key client created and listed bots without naming the org.
    expect(output.keyBotNames).toEqual(["Four", "Three", "Two", "One"]);
    expect(output.widgetReplyRole).toBe("bot");
    expect(output.transcriptRoles).toEqual(["visitor", "bot"]);

    const trpcRoutes = server.logs.filter((line) => line.msg === "request").map((line) => line.route);
    expect(trpcRoutes).toContain("/trpc/batch");
    expect(trpcRoutes).toContain("/trpc/auth.signup");
    expect(trpcRoutes).toContain("/trpc/auth.verifyEmail");
    expect(trpcRoutes).toContain("/trpc/auth.refresh");
    // The visitor went through the REST routes only.
    expect(trpcRoutes).toContain("/api/v1/widget/{botId}/sessions");
  });
});
