import { and, asc, eq, inArray } from "drizzle-orm";
import type { JobStatus } from "../../jobs/enums";
import type { Db } from "../client";
import { afterCursor, newestFirst, type PageCursor } from "../pages";
import { jobEvents, jobImages, jobs } from "../schema";

export type JobRow = typeof jobs.$inferSelect;
export type JobImageRow = typeof jobImages.$inferSelect;
export type JobEventRow = typeof jobEvents.$inferSelect;

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

export async function getJobImages(db: Db, jobId: string): Promise<JobImageRow[]> {
  return db.select().from(jobImages).where(eq(jobImages.jobId, jobId)).orderBy(asc(jobImages.index)).all();
}

/** Images of several jobs in one query, grouped by job id (for list pages). */
export async function getImagesForJobs(db: Db, jobIds: string[]): Promise<Map<string, JobImageRow[]>> {
  const byJob = new Map<string, JobImageRow[]>();
  if (jobIds.length === 0) return byJob;
  const rows = await db
    .select()
    .from(jobImages)
    .where(inArray(jobImages.jobId, jobIds))
    .orderBy(asc(jobImages.jobId), asc(jobImages.index))
    .all();
  for (const row of rows) byJob.set(row.jobId, [...(byJob.get(row.jobId) ?? []), row]);
  return byJob;
}

export async function getJobEvents(db: Db, jobId: string): Promise<JobEventRow[]> {
  return db.select().from(jobEvents).where(eq(jobEvents.jobId, jobId)).orderBy(asc(jobEvents.version)).all();
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
