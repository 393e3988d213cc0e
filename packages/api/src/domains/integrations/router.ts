import { router } from "../../trpc";

export const integrationsRouter = router({});
