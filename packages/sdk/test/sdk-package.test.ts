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
let declarations: string;
let javascript: string;
let compilations: Record<"consumer" | "wrongInput" | "emitted", Promise<RunResult>>;

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
    declarations = await readFile(join(sdkDir, "dist/index.d.ts"), "utf8");
    javascript = await readFile(join(sdkDir, "dist/index.js"), "utf8");

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
    await copyFile(join(consumerDir, "consumer.ts"), join(project, "consumer.ts"));
    await copyFile(join(consumerDir, "wrong-input.ts"), join(project, "wrong-input.ts"));
    // Independent compilations, started together; the tests below await their results.
    compilations = {
      consumer: tsc(["--noEmit", "consumer.ts"]),
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

describe("@kyro/sdk package", () => {
  it("packs only the built files and the README", () => {
    expect(packedFiles.sort()).toEqual(["README.md", "dist/index.d.ts", "dist/index.js", "package.json"]);
  });

  it("ships JavaScript that imports only the tRPC client runtime and superjson", () => {
    const imports = moduleSpecifiers(javascript);
    expect(imports.length).toBeGreaterThan(0);
    for (const specifier of imports) {
      expect(["@trpc/client", "@trpc/server/observable", "superjson"]).toContain(specifier);
    }
  });

  it("ships declarations that inline the router and refer to no server package", () => {
    expect(moduleSpecifiers(declarations).sort()).toEqual(["@trpc/client", "@trpc/server"]);
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

  it("type-checks a consumer with skipLibCheck false", async () => {
    const result = await compilations.consumer;
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

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
    // An API key and a refresh token in one options object.
    expect(errors).toContainEqual(
      expect.stringMatching(
        /^wrong-input\.ts\(\d+,\d+\): error TS2345: .*apiKey: string; refreshToken: string/,
      ),
    );
    expect(errors).toHaveLength(3);
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
    };
    expect(output.verificationRequired).toBe(true);
    expect(output.email).toBe(email);
    expect(output.sessionEmail).toBe(email);
    expect(output.orgs).toEqual([{ id: output.orgId, name: "Consumer Org", role: "owner" }]);
    expect(output.auditActions).toContain("org.created");
    expect(output.datesRevived).toBe(true);
    expect(output.unknownOrgError).toBe("NOT_FOUND");

    const trpcRoutes = server.logs.filter((line) => line.msg === "request").map((line) => line.route);
    expect(trpcRoutes).toContain("/trpc/batch");
    expect(trpcRoutes).toContain("/trpc/auth.signup");
    expect(trpcRoutes).toContain("/trpc/auth.verifyEmail");
  });
});
