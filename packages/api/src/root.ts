import { mergeRouters, router } from "./core/trpc";
import { actionsRouter } from "./domains/actions/router";
import { adminRouter } from "./domains/admin/router";
import { analyticsRouter } from "./domains/analytics/router";
import { apiKeysRouter } from "./domains/api-keys/router";
import { auditRouter } from "./domains/audit/router";
import { authRouter } from "./domains/auth/router";
import { botsRouter } from "./domains/bots/router";
import { complianceRouter } from "./domains/compliance/router";
import { conversationsRouter } from "./domains/conversations/router";
import { escalationsRouter } from "./domains/escalations/router";
import { exportsRouter } from "./domains/exports/router";
import { integrationsRouter } from "./domains/integrations/router";
import { knowledgeRouter } from "./domains/knowledge/router";
import { leadsRouter } from "./domains/leads/router";
import { limitsRouter } from "./domains/limits/router";
import { orgsRouter } from "./domains/orgs/router";
import { providersRouter } from "./domains/providers/router";
import { retentionRouter } from "./domains/retention/router";
import { sourcesRouter } from "./domains/sources/router";
import { usageRouter } from "./domains/usage/router";
import { webhooksRouter } from "./domains/webhooks/router";
import { widgetRouter } from "./domains/widget/router";
import { widgetRuntimeRouter } from "./domains/widget/runtime/router";

export const appRouter = router({
  auth: authRouter,
  orgs: orgsRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  limits: limitsRouter,
  admin: adminRouter,
  bots: botsRouter,
  // Settings (members) and the public runtime (visitors) of the widget share one namespace.
  widget: mergeRouters(widgetRouter, widgetRuntimeRouter),
  conversations: conversationsRouter,
  escalations: escalationsRouter,
  leads: leadsRouter,
  knowledge: knowledgeRouter,
  webhooks: webhooksRouter,
  integrations: integrationsRouter,
  providers: providersRouter,
  sources: sourcesRouter,
  usage: usageRouter,
  analytics: analyticsRouter,
  actions: actionsRouter,
  exports: exportsRouter,
  retention: retentionRouter,
  compliance: complianceRouter,
});

export type AppRouter = typeof appRouter;
