import { router } from "../../trpc";

export const widgetRouter = router({});
