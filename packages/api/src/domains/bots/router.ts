import { router } from "../../trpc";

export const botsRouter = router({});
