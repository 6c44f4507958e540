// Following a job live (GET /v1/jobs/{id}/stream, `Prefer: wait` on GET /v1/jobs/{id}). A watcher
// first marks the job watched (`jobs.watched_until`) and reads it in the same statement; from then
// on every state change's row says so, and announce.ts tells the job's JobWatch object
// (consumers/src/job-watch.ts), which hands the new events to whoever waits on it. D1 serializes
// the mark and the change: either the change sees the mark (and is announced) or the mark's read
// sees the change. Nobody polls D1, and a job nobody watches costs nothing extra.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { JobEvent, JobRow, JobScope } from "../db/queries/jobs";
import { jobs } from "../db/schema";
import type { JobStatus } from "./enums";

/** What a change tells the object: the job's whole history as the change left it (it is small). */
export interface JobChange {
  jobId: string;
  status: JobStatus;
  version: number;
  events: JobEvent[];
}

/** The events after a version, and the job's state as the object last heard it (null: never). */
export interface WatchBatch {
  events: JobEvent[];
  status: JobStatus | null;
  version: number;
}

/** The JobWatch object's RPC surface, for callers in either Worker (the producer binds it by script_name). */
export interface JobWatchObject {
  notify(change: JobChange): Promise<void>;
  /** The events after `afterVersion`, as soon as there are any, or none after `timeoutMs`. */
  next(afterVersion: number, timeoutMs: number): Promise<WatchBatch>;
}

export type JobWatchNamespace = DurableObjectNamespace<JobWatchObject & Rpc.DurableObjectBranded>;

/** The longest a single `next` call waits: one `Prefer: wait` (60 s) at most. */
export const MAX_WATCH_WAIT_MS = 60_000;
/** A mark outlives its watcher a little: a change racing the watcher's end is still announced. */
export const WATCH_SLACK_MS = 30_000;

/**
 * The job's JobWatch object, from a binding of either Worker. Typed as the plain interface: the
 * RPC types turn an event's `data` (unknown) into `never`, though it travels as JSON does.
 */
export function jobWatchOf(namespace: unknown, jobId: string): JobWatchObject {
  return (namespace as JobWatchNamespace).getByName(`job:${jobId}`) as unknown as JobWatchObject;
}

export function isWatched(row: Pick<JobRow, "watchedUntil">, now: number): boolean {
  return row.watchedUntil !== null && row.watchedUntil > now;
}

/**
 * Marks the job watched until `until` (never shortening another watcher's mark) and returns it as
 * the mark left it: one statement. Null when the caller may not see the job (404, as for GET).
 */
export async function watchJob(
  db: Db,
  scope: JobScope,
  jobId: string,
  until: number,
): Promise<JobRow | null> {
  const conditions = [eq(jobs.id, jobId), eq(jobs.instanceId, scope.instanceId)];
  if (scope.projectId) conditions.push(eq(jobs.projectId, scope.projectId));
  const [row] = await db
    .update(jobs)
    .set({ watchedUntil: sql`max(coalesce(${jobs.watchedUntil}, 0), ${until})` })
    .where(and(...conditions))
    .returning();
  return row ?? null;
}

/** The events of `events` after `version`, oldest first. */
export function eventsAfter(events: readonly JobEvent[], version: number): JobEvent[] {
  return events.filter((e) => e.version > version).sort((a, b) => a.version - b.version);
}
