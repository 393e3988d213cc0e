import { router } from "../../trpc";

export const knowledgeRouter = router({});
