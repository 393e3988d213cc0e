import type { Context } from "@kyro/api";
import { initTRPC, TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { callProcedure } from "../src/http/trpc-internals";

const t = initTRPC.context<{ base: string }>().meta<{ tag: string }>().create();
const seen: unknown[] = [];
const withUser = t.procedure.use(({ ctx, next, meta }) =>
  next({ ctx: { user: `${ctx.base}-user`, tag: meta?.tag } }),
);
const router = t.router({
  echo: withUser
    .meta({ tag: "echo" })
    .input(z.object({ a: z.string() }))
    .input(z.object({ b: z.number().optional() }))
    .use(({ ctx, input, next }) => {
      seen.push({ ctx, input });
      return next({ ctx: { extra: true } });
    })
    .output(z.object({ user: z.string(), tag: z.string(), a: z.string(), extra: z.boolean() }))
    .query(({ ctx, input }) => ({ user: ctx.user, tag: String(ctx.tag), a: input.a, extra: ctx.extra })),
  badOutput: t.procedure.output(z.object({ n: z.number() })).query(() => ({ n: "x" }) as never),
  // Async refinements: the parsers answer with a promise, which the chain must wait for.
  asyncChecks: t.procedure
    .input(z.object({ a: z.string() }).refine(async ({ a }) => a !== "refused"))
    .output(z.object({ n: z.number() }).refine(async ({ n }) => n > 0))
    .query(({ input }) => ({ n: input.a === "negative" ? -1 : input.a.length })),
  refuses: withUser.query(() => {
    throw new TRPCError({ code: "FORBIDDEN", message: "no" });
  }),
  // Output declared before the inputs, and a plain Error from the resolver.
  outputFirst: t.procedure
    .output(z.object({ sum: z.number().max(10) }))
    .input(z.object({ a: z.number() }))
    .input(z.object({ b: z.number() }))
    .query(({ input }) => {
      if (input.a < 0) throw new Error("negative");
      return { sum: input.a + input.b };
    }),
});

const ctx = { base: "b" } as unknown as Context;
type Path = "echo" | "badOutput" | "asyncChecks" | "refuses" | "outputFirst";
const viaCaller = (path: Path, input?: unknown) =>
  (t.createCallerFactory(router)({ base: "b" })[path] as (input: unknown) => Promise<unknown>)(input);
const viaCall = (path: string, input?: unknown) =>
  callProcedure(router._def.procedures[path as "echo"], { path, ctx, getRawInput: async () => input });

async function outcome(run: () => Promise<unknown>) {
  try {
    return { ok: await run() };
  } catch (error) {
    const e = error as TRPCError;
    return { code: e.code, message: e.message, cause: (e.cause as Error | undefined)?.constructor.name };
  }
}

describe("callProcedure", () => {
  it("runs the chain as createCaller does: merged contexts, combined inputs, meta, output", async () => {
    seen.length = 0;
    const input = { a: "x", b: 2 };
    expect(await outcome(() => viaCall("echo", input))).toEqual(
      await outcome(() => viaCaller("echo", input)),
    );
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]).toEqual({ ctx: { base: "b", user: "b-user", tag: "echo" }, input: { a: "x", b: 2 } });
  });

  it.each([
    ["invalid input", "echo", { a: 1 }],
    ["output that fails validation", "badOutput", undefined],
    ["a thrown TRPCError", "refuses", undefined],
    ["input refused by an async check", "asyncChecks", { a: "refused" }],
    ["output refused by an async check", "asyncChecks", { a: "negative" }],
    ["the second of two inputs invalid", "outputFirst", { a: 1, b: "x" }],
    ["an output check declared before the inputs", "outputFirst", { a: 9, b: 9 }],
    ["a plain Error from the resolver", "outputFirst", { a: -1, b: 1 }],
  ] as const)("fails as createCaller does on %s", async (_, path, input) => {
    const ours = await outcome(() => viaCall(path, input));
    expect(ours).toEqual(await outcome(() => viaCaller(path, input)));
    expect(ours).not.toHaveProperty("ok");
  });

  it("merges inputs and checks output wherever .output() was declared", async () => {
    expect(await outcome(() => viaCall("outputFirst", { a: 1, b: 2 }))).toEqual({ ok: { sum: 3 } });
    expect(await outcome(() => viaCaller("outputFirst", { a: 1, b: 2 }))).toEqual({ ok: { sum: 3 } });
  });

  it("waits for async schema checks of input and output", async () => {
    expect(await outcome(() => viaCall("asyncChecks", { a: "four" }))).toEqual({ ok: { n: 4 } });
    expect(await outcome(() => viaCaller("asyncChecks", { a: "four" }))).toEqual({ ok: { n: 4 } });
  });
});
