/**
 * The vanilla peer of the list benchmark: the same procedure (an API key's `bots.list`, 20 bots with
 * config, output validated) written the obvious way from the same packages — tRPC v11's standalone
 * HTTP adapter with superjson, zod, Drizzle over postgres.js — and nothing of Kyro's own plumbing. It
 * answers `GET /trpc/bots.list` (batched, as a tRPC client sends it) and `GET /api/v1/bots` (a
 * node:http route calling the same procedure). Started by bench/list.ts over Kyro's database and secret.
 */
import { createHmac, hkdfSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { apiKeys, bots, botVersions, users } from "@kyro/db";
import { initTRPC, TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { and, desc, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import superjson from "superjson";
import { z } from "zod";

const [databaseUrl, secret] = process.argv.slice(2) as [string, string];
const db = drizzle({ client: postgres(databaseUrl, { max: 10 }), casing: "snake_case" });
// Keys are stored as Kyro stores them: an HMAC of the key under a key derived from the secret.
const keyPepper = Buffer.from(hkdfSync("sha256", secret, "kyro", "api-key", 32));

interface Context {
  authorization: string | undefined;
}
const t = initTRPC.context<Context>().create({ transformer: superjson });

const withApiKey = t.procedure.use(async ({ ctx, next }) => {
  const key = ctx.authorization?.replace(/^Bearer /i, "");
  if (!key) throw new TRPCError({ code: "UNAUTHORIZED" });
  const hash = createHmac("sha256", keyPepper).update(key).digest("hex");
  const [found] = await db
    .select({ id: apiKeys.id, orgId: apiKeys.orgId })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!found) throw new TRPCError({ code: "UNAUTHORIZED" });
  return next({ ctx: { apiKey: found } });
});

const botConfig = z.object({
  persona: z.string(),
  welcomeMessage: z.string(),
  fallbackMessage: z.string(),
  language: z.string(),
  businessHours: z
    .object({
      timezone: z.string(),
      ranges: z.array(z.object({ day: z.string(), start: z.string(), end: z.string() })),
    })
    .nullable(),
  outOfHoursMessage: z.string(),
  allowedActionIds: z.array(z.string()),
  escalation: z.object({ keywords: z.array(z.string()), fallbacksBeforeHandoff: z.int() }),
  requireIdentity: z.boolean(),
});

const botView = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  status: z.enum(["draft", "active", "paused"]),
  config: botConfig,
  templateId: z.string().nullable(),
  currentVersionId: z.uuid().nullable(),
  currentVersion: z.int().nullable(),
  createdBy: z.object({ id: z.uuid(), email: z.string() }).nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  deletedAt: z.date().nullable(),
  purgeAt: z.date().nullable(),
});

const router = t.router({
  bots: t.router({
    list: withApiKey
      .input(z.object({ limit: z.int().min(1).max(100).default(50) }))
      .output(z.object({ items: z.array(botView), nextCursor: z.uuid().nullable() }))
      .query(async ({ ctx, input }) => {
        const rows = await db
          .select({
            id: bots.id,
            name: bots.name,
            description: bots.description,
            status: bots.status,
            config: bots.config,
            templateId: bots.templateId,
            currentVersionId: bots.currentVersionId,
            currentVersion: botVersions.version,
            creatorId: users.id,
            creatorEmail: users.email,
            createdAt: bots.createdAt,
            updatedAt: bots.updatedAt,
            deletedAt: bots.deletedAt,
          })
          .from(bots)
          .leftJoin(botVersions, eq(botVersions.id, bots.currentVersionId))
          .leftJoin(users, eq(users.id, bots.createdBy))
          .where(and(eq(bots.orgId, ctx.apiKey.orgId), isNull(bots.deletedAt)))
          .orderBy(desc(bots.id))
          .limit(input.limit + 1);
        const items = rows.slice(0, input.limit).map(({ creatorId, creatorEmail, config, ...bot }) => ({
          ...bot,
          // Stored as written through the API; the output schema validates it.
          config: config as z.infer<typeof botConfig>,
          createdBy: creatorId && creatorEmail ? { id: creatorId, email: creatorEmail } : null,
          purgeAt: null,
        }));
        return { items, nextCursor: rows.length > input.limit ? (items.at(-1)?.id ?? null) : null };
      }),
  }),
});

const trpc = createHTTPHandler({
  router,
  basePath: "/trpc/",
  createContext: ({ req }) => ({ authorization: req.headers.authorization }),
});
const createCaller = t.createCallerFactory(router);

const server = createServer((req, res) => {
  if (req.url?.startsWith("/trpc/")) return trpc(req, res);
  const url = new URL(req.url ?? "/", "http://peer");
  if (url.pathname !== "/api/v1/bots") {
    res.writeHead(404).end();
    return;
  }
  createCaller({ authorization: req.headers.authorization })
    .bots.list({ limit: Number(url.searchParams.get("limit") ?? 50) })
    .then(
      (page) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(page));
      },
      (error: unknown) => {
        res.writeHead(error instanceof TRPCError && error.code === "UNAUTHORIZED" ? 401 : 500).end();
      },
    );
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`,
  );
});
process.on("SIGTERM", () => process.exit(0));
