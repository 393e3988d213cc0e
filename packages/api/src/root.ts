import { auditRouter } from "./domains/audit/router";
import { authRouter } from "./domains/auth/router";
import { orgsRouter } from "./domains/orgs/router";
import { router } from "./trpc";

export const appRouter = router({
  auth: authRouter,
  orgs: orgsRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
