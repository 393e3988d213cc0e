import { router } from "../../trpc";

export const conversationsRouter = router({});
