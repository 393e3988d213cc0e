import { router } from "../../trpc";

export const orgsRouter = router({});
