import { apiKeysRouter } from "./domains/api-keys/router";
import { auditRouter } from "./domains/audit/router";
import { authRouter } from "./domains/auth/router";
import { orgsRouter } from "./domains/orgs/router";
import { router } from "./trpc";

export const appRouter = router({
  auth: authRouter,
  orgs: orgsRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
