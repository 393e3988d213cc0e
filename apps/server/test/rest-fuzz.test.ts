import type { ApiKeySeed } from "@kyro/api/testing";
import {
  type ContractMismatch,
  type DocumentOperation,
  describeMismatch,
  gapFor,
  loadResponseContract,
  type ObservedResponse,
} from "@kyro/api/testing/contract";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialsFor, send, urlOf } from "./fuzz/client";
import { type FuzzInput, type InputModel, inputModel } from "./fuzz/inputs";
import { type FuzzWorld, fuzzSettings, seedFuzzWorld } from "./fuzz/seed";
import { startTestServer, type TestServer } from "./server-harness";

/**
 * A property-based fuzz of every REST operation, generated from the operation's own declared schemas
 * (docs/rest.md, "The contract fuzz"). For each operation: input valid by the document is accepted
 * (2xx, or 404/409/422, which depend on the data) and input made invalid (a wrong type, a required
 * field left out, an unknown key or parameter) is refused with 400; every answer matches the declared
 * statuses and schemas, and none is a 5xx. FUZZ_SEED and FUZZ_RUNS (per operation and kind) vary it.
 */

const { seed: SEED, runs: RUNS } = fuzzSettings();
/** Answers that depend on the data rather than the input's shape. */
const STATE_DEPENDENT = new Set([404, 409, 422]);
/** Generous limits: the fuzz checks shapes, and limits/quotas have tests of their own. */
const LIMITS = {
  requestLimitsEnabled: true,
  defaults: {
    keyRequestsPerMinute: 1e6,
    userRequestsPerMinute: 1e6,
    orgRequestsPerMinute: 1e6,
    requestsPerDay: 1e9,
    messagesPerDay: 1e9,
    botRequestsPerMinute: 1e6,
    botMessagesPerDay: 1e9,
  },
  ipRequestsPerMinute: 1e6,
  conversationMessagesPerMinute: 1e6,
};

const contract = await loadResponseContract();
const { document } = contract.schemas;

/**
 * Reads first, then writes, and what deletes, disables or rotates last, so seeded data lasts. The
 * visitor's widget calls and action runs go with the reads: a valid write may replace `allowedDomains`
 * or an allow-list between bot and action, after which the seeded origin or bot is rightly refused (403).
 */
const destructive = (entry: DocumentOperation) =>
  entry.method === "delete" || /\/(delete|disable|rotate-secret|rotate)$/.test(entry.path)
    ? 2
    : entry.method === "get" ||
        /^\/widget\/(sessions|messages|\{botId\}\/sessions)\b|^\/actions\/\{actionId\}\/runs$/.test(
          entry.path,
        )
      ? 0
      : 1;
const operations = [...contract.index.operations].sort((a, b) => destructive(a) - destructive(b));

let server: TestServer;
let world: FuzzWorld;

beforeAll(async () => {
  server = await startTestServer({ settings: { outboundAllowCidrs: ["127.0.0.0/8"], limits: LIMITS } });
  const scopes = [
    ...new Set(
      operations.flatMap(
        (entry) => (entry.operation as { "x-kyro-scopes"?: string[] })["x-kyro-scopes"] ?? [],
      ),
    ),
  ] as ApiKeySeed["scopes"];
  world = await seedFuzzWorld(server, scopes);
}, 120_000);
afterAll(async () => {
  await world?.sink.close();
  await world?.upstream.close();
  await server?.close();
});

function seedOf(name: string): number {
  let hash = SEED | 0;
  for (const char of name) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

/** The error's first issue, to say why an answer was a refusal. */
function reasonOf(answer: ObservedResponse): string {
  try {
    const { error } = JSON.parse(answer.body.toString("utf8")) as {
      error?: {
        code?: string;
        message?: string;
        details?: { issues?: { path?: string; code?: string; message?: string }[] };
      };
    };
    const issue = error?.details?.issues?.[0];
    // The issue's code too, so a gap can name a rule by it (`url_not_allowed`) rather than by its wording.
    return `${error?.code ?? ""}: ${issue ? `${issue.path}: ${issue.message} (${issue.code})` : (error?.message ?? "")}`;
  } catch {
    return answer.body.toString("utf8").slice(0, 200);
  }
}

/** Fails with the first mismatch no gap covers; a 5xx is never covered. */
function judge(entry: DocumentOperation, answer: ObservedResponse, found: ContractMismatch[], what: string) {
  if (answer.status >= 500)
    throw new Error(`${entry.name} answered ${answer.status} to ${what}: ${reasonOf(answer)}`);
  const open = [...contract.check(answer), ...found].filter((mismatch) => !gapFor(mismatch));
  if (open.length > 0) throw new Error(`${what}\n${open.map(describeMismatch).join("\n")}`);
}

async function call(entry: DocumentOperation, input: FuzzInput) {
  const url = urlOf(server.url, contract.index.base, entry, input);
  return send(url, entry, input, credentialsFor(entry, world));
}

const runs = { valid: 0, invalid: 0 };
/**
 * No shrinking: each step is an HTTP call that may change data, so a shrunk case is no simpler to read
 * than the first one, which fast-check reports with its seed and path for replay.
 */
// Operations with declared cross-field rules (the hmac profile of an inbound endpoint) draw many inputs the
// document itself refuses; those are skipped, not sent.
const RUN_OPTIONS = { numRuns: RUNS, maxSkipsPerRun: 500, endOnFailure: true };

describe.each(operations.map((entry) => [entry.name, entry] as const))("%s", (name, entry) => {
  let model: InputModel;
  beforeAll(() => {
    model = inputModel(contract.schemas, entry, { orgId: world.org.id }, world.ids);
  });

  it("accepts input valid by the document, and answers as declared", async () => {
    await fc.assert(
      fc.asyncProperty(model.valid, async (input) => {
        fc.pre(model.problem(input) === null);
        const answer = await call(entry, input);
        runs.valid++;
        const accepted = (answer.status >= 200 && answer.status < 300) || STATE_DEPENDENT.has(answer.status);
        const refused: ContractMismatch[] = accepted
          ? []
          : [
              {
                check: "accepts-valid",
                operation: name,
                status: answer.status,
                message: `refused: ${reasonOf(answer)}`,
              },
            ];
        judge(entry, answer, refused, `valid input ${JSON.stringify(input)}`);
      }),
      { seed: seedOf(name), ...RUN_OPTIONS },
    );
  });

  it("refuses input invalid by the document with 400, and answers as declared", async () => {
    const mutated = model.valid.chain((input) => {
      const options = model.mutations(input);
      return options.length ? fc.constantFrom(...options) : fc.constant(undefined);
    });
    await fc.assert(
      fc.asyncProperty(mutated, async (case_) => {
        fc.pre(case_ !== undefined);
        if (!case_) return;
        const answer = await call(entry, case_.input);
        runs.invalid++;
        const refused: ContractMismatch[] =
          answer.status === 400
            ? []
            : [
                {
                  check: "refuses-invalid",
                  operation: name,
                  status: answer.status,
                  message: `${case_.mutation}: ${reasonOf(answer)}`,
                },
              ];
        judge(entry, answer, refused, `${case_.mutation} in ${JSON.stringify(case_.input)}`);
      }),
      { seed: seedOf(`${name} invalid`), ...RUN_OPTIONS },
    );
  });
});

describe("the fuzz itself", () => {
  it("covered every operation of the document with requests", () => {
    expect(operations.length).toBe(
      Object.values(document.paths ?? {})
        .flatMap((item) => Object.keys(item ?? {}))
        .filter((key) => ["get", "put", "post", "delete", "patch"].includes(key)).length,
    );
    expect(runs.valid).toBeGreaterThanOrEqual(operations.length);
    expect(runs.invalid).toBeGreaterThan(0);
  });
});
