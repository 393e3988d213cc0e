import { and, eq, executorSql, isNotNull, organizations } from "@kyro/db";
import { enqueueJob } from "@kyro/platform";
import type { AppDeps } from "./deps";
import type { JobDefinition, JobOwner } from "./jobs";

declare module "./deps" {
  interface Settings {
    /** How long a suspended org's held job waits before it looks at the org again (docs/admin.md). */
    suspendedJobRecheckSeconds: number;
  }
}

/** One minute: work resumes within about that long after a reinstatement. */
export const DEFAULT_SUSPENDED_JOB_RECHECK_SECONDS = 60;

/** Whether the job's row belongs to a suspended org (a gone row: no; the handler deals with it). */
async function ownerSuspended(deps: AppDeps, owner: JobOwner): Promise<boolean> {
  const { table } = owner;
  const [row] = await deps.db
    .select({ id: organizations.id })
    .from(table)
    .innerJoin(organizations, eq(organizations.id, table.orgId))
    .where(and(eq(table.id, owner.id), isNotNull(organizations.suspendedAt)))
    .limit(1);
  return row !== undefined;
}

/**
 * Runs a job, unless it works for a suspended org: then it is held — sent again, unchanged, to run
 * after `suspendedJobRecheckSeconds` — before the handler claims anything, so no attempt of the
 * delivery, run, mail or export is counted and nothing is dropped. After a reinstatement the next
 * recheck finds the org active and runs it as it would have run.
 */
export async function runUnlessHeld<Data extends object>(
  deps: AppDeps,
  job: JobDefinition<Data>,
  data: Data,
): Promise<void> {
  const owner = job.ownerOf?.(data);
  if (owner && (await ownerSuspended(deps, owner))) {
    await enqueueJob(executorSql(deps.db), job.name, data, {
      ...job.enqueueOptions,
      startAfterSeconds: deps.settings.suspendedJobRecheckSeconds,
    });
    return;
  }
  await job.handle(deps, data);
}
