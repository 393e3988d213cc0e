import { createJobRunner, type JobRunner, type SqlExecutor } from "@kyro/platform";
import type { AppDeps } from "./core/deps";
import type { JobDefinition } from "./core/jobs";
import { runUnlessHeld } from "./core/suspension-hold";
import { actionRunJob } from "./domains/actions/index";
import { analyticsDrainJob } from "./domains/analytics/index";
import { purgeDeletedBotsJob } from "./domains/bots/purge";
import { escalationDispatchJob } from "./domains/escalations/dispatch";
import { exportCleanupJob, exportRunJob } from "./domains/exports/index";
import { inboundProcessJob } from "./domains/integrations/inbound/job";
import { retentionPurgeJob } from "./domains/retention/index";
import { sourceSyncJob, sourceTickJob } from "./domains/sources/index";
import { webhookDeliveryJob } from "./domains/webhooks/delivery-job";

/** Every job the worker runs. Add a domain's job here; the worker creates its queue and polls it. */
// biome-ignore lint/suspicious/noExplicitAny: each entry has its own payload type.
export const JOBS: JobDefinition<any>[] = [
  purgeDeletedBotsJob,
  inboundProcessJob,
  webhookDeliveryJob,
  sourceSyncJob,
  sourceTickJob,
  escalationDispatchJob,
  actionRunJob,
  analyticsDrainJob,
  exportRunJob,
  exportCleanupJob,
  retentionPurgeJob,
];

export interface JobsHandle {
  runner: JobRunner;
  /** Stops polling; running jobs get the grace period, then go back to the queue. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartJobsOptions {
  /** pg-boss's own connection: the database handle's `executeSql`. */
  sql: SqlExecutor;
  /** true: poll and run the jobs (worker role); false: only install the schema and queues (API role). */
  work: boolean;
  pollingIntervalSeconds?: number;
  // biome-ignore lint/suspicious/noExplicitAny: each job has its own payload type.
  jobs?: readonly JobDefinition<any>[];
}

/**
 * Installs pg-boss's schema and every queue (the API enqueues into them, so both roles need them) and,
 * in a worker, polls each queue and registers the cron schedules.
 */
export async function startJobs(deps: AppDeps, options: StartJobsOptions): Promise<JobsHandle> {
  const jobs = options.jobs ?? JOBS;
  const runner = createJobRunner({
    sql: options.sql,
    logger: deps.logger,
    supervise: options.work,
    pollingIntervalSeconds: options.pollingIntervalSeconds,
  });
  await runner.start(jobs.map((job) => job.name));
  if (options.work) {
    for (const job of jobs) {
      await runner.work(job.name, { batchSize: job.batchSize, workers: job.workers }, ({ data }) =>
        runUnlessHeld(deps, job, data),
      );
      if (job.schedule) await runner.schedule(job.name, job.schedule);
    }
  }
  return { runner, stop: (graceMs) => runner.stop(graceMs) };
}
