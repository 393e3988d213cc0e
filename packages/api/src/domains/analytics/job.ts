import { defineJob } from "../../core/jobs";
import { drainAll } from "./rollup";

/** Every minute: recomputes the buckets writes marked since (reads also drain their org first). */
export const analyticsDrainJob = defineJob<Record<string, never>>({
  name: "analytics.drain",
  schedule: "* * * * *",
  async handle(deps) {
    const buckets = await drainAll(deps.db);
    if (buckets > 0) deps.logger.debug({ buckets }, "analytics buckets recomputed");
  },
});
