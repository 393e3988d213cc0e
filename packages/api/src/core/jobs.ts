import type { AnyPgColumn, PgTable } from "@kyro/db";
import type { EnqueueOptions } from "@kyro/platform";
import type { AppDeps } from "./deps";

/** A table whose row, found by `id`, names the org (`orgId`) a job works for. */
export type OrgOwnedTable = PgTable & { id: AnyPgColumn; orgId: AnyPgColumn };

/** Where a job's org is found: the row of `table` whose id is `id`. */
export interface JobOwner {
  table: OrgOwnedTable;
  id: string;
}

/** A background job: a pg-boss queue named `name` whose jobs `handle` runs in the worker. */
export interface JobDefinition<Data> {
  /** Queue name; also what `deps.jobs.enqueue(tx, name, data)` sends to. */
  name: string;
  /** Cron expression (UTC): the worker sends one job per slot, across all processes. */
  schedule?: string;
  /** Jobs fetched per poll and run concurrently (default 1). */
  batchSize?: number;
  /** Polling loops in each worker process (default 1). */
  workers?: number;
  /**
   * The row naming the org the job works for: while that org is suspended the job is held, not run
   * (core/suspension-hold.ts). Left out: the job runs whatever any org's status.
   */
  ownerOf?(data: Data): JobOwner;
  /** The options the job is enqueued with, kept when a held job is sent again (default: pg-boss's). */
  enqueueOptions?: EnqueueOptions;
  /** Throwing fails the job; pg-boss retries it (3 times, 5 s apart) and then keeps it as failed. */
  handle(deps: AppDeps, data: Data): Promise<void>;
}

export const defineJob = <Data>(definition: JobDefinition<Data>): JobDefinition<Data> => definition;
