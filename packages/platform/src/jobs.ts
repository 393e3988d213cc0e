import PgBoss from "pg-boss";
import { describeErrorSafely } from "./error-serializer";
import type { Logger } from "./logger";

/**
 * pg-boss's database adapter: runs one statement with `$n` parameters, or (without values) a script of
 * several statements. The db package provides one over its own connection and one over any Drizzle
 * executor, so jobs can be written inside a domain transaction.
 */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface EnqueueOptions {
  /** Run no earlier than this many seconds from now. */
  startAfterSeconds?: number;
  /** pg-boss singleton key: with a queue policy that enforces it, a duplicate is not inserted. */
  singletonKey?: string;
  /** Attempts pg-boss itself makes after a handler throws (or its process died while running it). */
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** A running job not finished by then counts as failed (and is retried while retries remain). */
  expireInSeconds?: number;
}

export interface QueuedJob<Data> {
  id: string;
  data: Data;
}

export interface WorkOptions {
  /** Jobs fetched per poll; the handler runs them concurrently. */
  batchSize?: number;
  /** Polling loops per queue in this process. */
  workers?: number;
}

/** pg-boss's own tables live in this schema, next to the application's tables in the same database. */
export const JOBS_SCHEMA = "pgboss";

const DEFAULTS = { retryLimit: 3, retryDelay: 5, expireInSeconds: 15 * 60 } as const;

const refuseQueries: SqlExecutor = {
  executeSql() {
    throw new Error("the job sender only writes through the executor given to enqueue");
  },
};

/**
 * Writing a job needs no started pg-boss: `send` with a `db` option only runs its INSERT on that
 * connection. One idle instance renders those statements for every enqueue in the process.
 */
const sender = new PgBoss({ db: refuseQueries as PgBoss.Db, schema: JOBS_SCHEMA });

function sendOptions(options: EnqueueOptions, sql: SqlExecutor): PgBoss.SendOptions {
  return {
    db: sql as PgBoss.Db,
    retryLimit: options.retryLimit ?? DEFAULTS.retryLimit,
    retryDelay: options.retryDelaySeconds ?? DEFAULTS.retryDelay,
    expireInSeconds: options.expireInSeconds ?? DEFAULTS.expireInSeconds,
    ...(options.startAfterSeconds ? { startAfter: Math.max(1, Math.ceil(options.startAfterSeconds)) } : {}),
    ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
  };
}

/**
 * Inserts one job through `sql` — pass an adapter over the domain transaction and the job commits or
 * rolls back with the change. Returns the job id, or null when a singleton rule dropped it.
 */
export async function enqueueJob(
  sql: SqlExecutor,
  name: string,
  data: object,
  options: EnqueueOptions = {},
): Promise<string | null> {
  return sender.send(name, data, sendOptions(options, sql));
}

/** Inserts many jobs of one queue in one statement (fan-out). */
export async function enqueueJobs(
  sql: SqlExecutor,
  name: string,
  jobs: { data: object; options?: EnqueueOptions }[],
): Promise<void> {
  if (jobs.length === 0) return;
  await sender.insert(
    jobs.map(({ data, options = {} }) => ({
      name,
      data,
      retryLimit: options.retryLimit ?? DEFAULTS.retryLimit,
      retryDelay: options.retryDelaySeconds ?? DEFAULTS.retryDelay,
      expireInSeconds: options.expireInSeconds ?? DEFAULTS.expireInSeconds,
      ...(options.startAfterSeconds
        ? { startAfter: new Date(Date.now() + options.startAfterSeconds * 1000).toISOString() }
        : {}),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    })),
    { db: sql as PgBoss.Db },
  );
}

export interface JobRunnerOptions {
  sql: SqlExecutor;
  logger: Logger;
  /** How often an idle worker looks for due jobs; pg-boss allows 0.5 s at the least. */
  pollingIntervalSeconds?: number;
  /** Run cron schedules and maintenance (expiry of dead workers' jobs, archiving) in this process. */
  supervise?: boolean;
}

export interface JobRunner {
  /** Installs or migrates pg-boss's schema and creates the named queues (idempotent, safe to race). */
  start(queues: readonly string[]): Promise<void>;
  /** Polls `name` and runs `handle` for each job; a job whose handler throws is failed and retried. */
  work<Data>(
    name: string,
    options: WorkOptions,
    handle: (job: QueuedJob<Data>) => Promise<void>,
  ): Promise<void>;
  /** Sends a job to `name` on this cron (UTC) — once per slot across every process. */
  schedule(name: string, cron: string): Promise<void>;
  /**
   * Stops polling; jobs running now get `graceMs` to finish, then are failed back to the queue
   * (retried by whichever process polls next).
   */
  stop(graceMs?: number): Promise<void>;
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const supervise = options.supervise ?? true;
  const boss = new PgBoss({
    db: options.sql as PgBoss.Db,
    schema: JOBS_SCHEMA,
    migrate: true,
    supervise,
    schedule: supervise,
    pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5,
  });
  boss.on("error", (error) => options.logger.error({ err: error }, "job queue error"));
  let started = false;

  return {
    async start(queues) {
      await boss.start();
      started = true;
      for (const name of queues) {
        if (await boss.getQueue(name)) continue;
        try {
          await boss.createQueue(name, { name });
        } catch (error) {
          // Another process created it between the check and the insert.
          if (!(await boss.getQueue(name))) throw error;
        }
      }
    },
    async work(name, workOptions, handle) {
      const batchSize = workOptions.batchSize ?? 1;
      for (let index = 0; index < (workOptions.workers ?? 1); index++) {
        let self = "";
        self = await boss.work<object>(name, { batchSize }, async (jobs) => {
          await Promise.all(
            jobs.map(async (job) => {
              try {
                await handle({ id: job.id, data: job.data as never });
              } catch (error) {
                options.logger.error({ err: error, queue: name, jobId: job.id }, "job failed");
                // Kept in pg-boss's jsonb output: a failed query's message would store its parameters there.
                await boss.fail(name, job.id, { message: describeErrorSafely(error) });
              }
            }),
          );
          // A full batch means more are probably waiting: poll again at once rather than sleeping.
          if (jobs.length === batchSize) boss.notifyWorker(self);
        });
      }
    },
    async schedule(name, cron) {
      await boss.schedule(name, cron, {}, { tz: "UTC" });
    },
    async stop(graceMs = 20_000) {
      if (!started) return;
      started = false;
      await boss.stop({ graceful: true, timeout: graceMs, wait: true, close: false });
    },
  };
}
