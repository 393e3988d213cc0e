import { router } from "../../trpc";

export const widgetRuntimeRouter = router({});
