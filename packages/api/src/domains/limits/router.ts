import { router } from "../../trpc";

export const limitsRouter = router({});
