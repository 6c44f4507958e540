import { and, eq, gte, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { JobStatus } from "../../jobs/enums";
import type { Db } from "../client";
import { afterCursor, newestFirst, type PageCursor } from "../pages";
import { instances, type JobImage, jobs } from "../schema";

export type JobRow = typeof jobs.$inferSelect;
export type { JobEvent, JobImage } from "../schema";

export async function getJob(db: Db, jobId: string): Promise<JobRow | null> {
  return (await db.select().from(jobs).where(eq(jobs.id, jobId)).get()) ?? null;
}

/** D1 binds at most 100 parameters per statement. */
const MAX_IDS_PER_READ = 100;

/** Several jobs by id, in one statement per 100 ids; a missing id is absent from the map. */
export async function getJobs(db: Db, jobIds: readonly string[]): Promise<Map<string, JobRow>> {
  const unique = [...new Set(jobIds)];
  const found = new Map<string, JobRow>();
  for (let i = 0; i < unique.length; i += MAX_IDS_PER_READ) {
    const rows = await db
      .select()
      .from(jobs)
      .where(inArray(jobs.id, unique.slice(i, i + MAX_IDS_PER_READ)))
      .all();
    for (const row of rows) found.set(row.id, row);
  }
  return found;
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

/** What a job list may be narrowed to; the created range walks the (instance, created_at) index. */
export interface JobListFilter {
  status?: JobStatus;
  provider?: string;
  projectId?: string;
  /** Epoch ms, inclusive. */
  createdFrom?: number;
  /** Epoch ms, exclusive. */
  createdUntil?: number;
}

export async function listJobs(
  db: Db,
  opts: {
    instanceId: string;
    /** The caller's own project, for a project-bound key: the list never leaves it. */
    projectId?: string | null;
    filter?: JobListFilter;
    limit: number;
    cursor?: PageCursor;
  },
): Promise<JobRow[]> {
  const f = opts.filter ?? {};
  // Deleted jobs (tombstones) are left out of lists; GET /v1/jobs/{id} still answers them.
  const conditions = [eq(jobs.instanceId, opts.instanceId), isNull(jobs.deletedAt)];
  if (opts.projectId) conditions.push(eq(jobs.projectId, opts.projectId));
  if (f.projectId) conditions.push(eq(jobs.projectId, f.projectId));
  if (f.status) conditions.push(eq(jobs.status, f.status));
  if (f.provider) conditions.push(eq(jobs.provider, f.provider));
  if (f.createdFrom !== undefined) conditions.push(gte(jobs.createdAt, f.createdFrom));
  if (f.createdUntil !== undefined) conditions.push(lt(jobs.createdAt, f.createdUntil));
  return db
    .select()
    .from(jobs)
    .where(and(...conditions, afterCursor(jobs, opts.cursor)))
    .orderBy(...newestFirst(jobs))
    .limit(opts.limit)
    .all();
}

const DAY_MS = 86_400_000;

/** A succeeded job whose images are past its instance's `image_retention_days`. */
export interface ExpiredImagesJob {
  id: string;
  instanceId: string;
  images: JobImage[] | null;
}

/**
 * Up to `limit` succeeded jobs whose images outlived their instance's retention (by created_at)
 * and are still stored. One statement: the instances with a retention, then each one's range of
 * the (instance_id, created_at) index below its cutoff. No ORDER BY, so the walk stops at `limit`
 * (the index yields each instance's jobs oldest first); the rows of that range whose images are
 * already gone are read and skipped (docs/operations.md on the read cost).
 */
export async function findJobsWithExpiredImages(
  db: Db,
  now: number,
  limit: number,
): Promise<ExpiredImagesJob[]> {
  return db
    .select({ id: jobs.id, instanceId: jobs.instanceId, images: jobs.images })
    .from(instances)
    .innerJoin(
      jobs,
      and(
        eq(jobs.instanceId, instances.id),
        lt(jobs.createdAt, sql`${now} - ${instances.imageRetentionDays} * ${DAY_MS}`),
      ),
    )
    .where(
      and(
        isNotNull(instances.imageRetentionDays),
        eq(jobs.status, "succeeded"),
        isNull(jobs.imagesRemovedAt),
      ),
    )
    .limit(limit)
    .all();
}

/** Records that these jobs' images were removed (at most 99 ids: with `now`, D1's 100 parameters). */
export async function markImagesRemoved(db: Db, jobIds: readonly string[], now: number): Promise<number> {
  if (jobIds.length === 0) return 0;
  const result = await db
    .update(jobs)
    .set({ imagesRemovedAt: now })
    .where(and(inArray(jobs.id, [...jobIds]), isNull(jobs.imagesRemovedAt)))
    .run();
  return result.meta.changes;
}
