import { router } from "../../trpc";

export const leadsRouter = router({});
