import { and, eq, inArray, lt, or } from "drizzle-orm";
import type { Db } from "../client";
import { jobs } from "../schema";

export interface StaleJob {
  id: string;
  instanceId: string;
  projectId: string;
  requestId: string;
  attempts: number;
}

/**
 * Jobs that should be moving but show no sign of it: queued and untouched for longer than any
 * retry delay, or running on a lease that expired long ago (its consumer died and its message is
 * gone, e.g. a local queue lost at a restart).
 */
export async function findStaleJobs(
  db: Db,
  opts: { now: number; queuedStaleMs: number; leaseGraceMs: number; limit: number },
): Promise<StaleJob[]> {
  return db
    .select({
      id: jobs.id,
      instanceId: jobs.instanceId,
      projectId: jobs.projectId,
      requestId: jobs.requestId,
      attempts: jobs.attempts,
    })
    .from(jobs)
    .where(
      or(
        and(eq(jobs.status, "queued"), lt(jobs.updatedAt, opts.now - opts.queuedStaleMs)),
        and(eq(jobs.status, "running"), lt(jobs.leaseExpiresAt, opts.now - opts.leaseGraceMs)),
      ),
    )
    .limit(opts.limit)
    .all();
}

/** Marks jobs as looked at, so one stale job gets at most one extra message per sweep window. */
export async function touchJobs(db: Db, ids: string[], now: number): Promise<void> {
  if (ids.length > 0) await db.update(jobs).set({ updatedAt: now }).where(inArray(jobs.id, ids));
}
