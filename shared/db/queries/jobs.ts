import { and, eq } from "drizzle-orm";
import type { JobStatus } from "../../jobs/enums";
import type { Db } from "../client";
import { afterCursor, newestFirst, type PageCursor } from "../pages";
import { jobs } from "../schema";

export type JobRow = typeof jobs.$inferSelect;
export type { JobEvent, JobImage } from "../schema";

export async function getJob(db: Db, jobId: string): Promise<JobRow | null> {
  return (await db.select().from(jobs).where(eq(jobs.id, jobId)).get()) ?? null;
}

/** Whose jobs a caller may see: an instance, narrowed to one project for a project-bound key. */
export interface JobScope {
  instanceId: string;
  projectId: string | null;
}

/**
 * A job as its tenant sees it: another instance's job (or, for a project-bound key, another
 * project's) does not exist: 404, never 403. A bare instance id means instance-wide.
 */
export async function getJobForInstance(
  db: Db,
  scope: string | JobScope,
  jobId: string,
): Promise<JobRow | null> {
  const { instanceId, projectId } =
    typeof scope === "string" ? { instanceId: scope, projectId: null } : scope;
  const conditions = [eq(jobs.id, jobId), eq(jobs.instanceId, instanceId)];
  if (projectId) conditions.push(eq(jobs.projectId, projectId));
  return (
    (await db
      .select()
      .from(jobs)
      .where(and(...conditions))
      .get()) ?? null
  );
}

export async function listJobs(
  db: Db,
  opts: {
    instanceId: string;
    projectId?: string | null;
    status?: JobStatus;
    limit: number;
    cursor?: PageCursor;
  },
): Promise<JobRow[]> {
  const conditions = [eq(jobs.instanceId, opts.instanceId)];
  if (opts.projectId) conditions.push(eq(jobs.projectId, opts.projectId));
  if (opts.status) conditions.push(eq(jobs.status, opts.status));
  return db
    .select()
    .from(jobs)
    .where(and(...conditions, afterCursor(jobs, opts.cursor)))
    .orderBy(...newestFirst(jobs))
    .limit(opts.limit)
    .all();
}
