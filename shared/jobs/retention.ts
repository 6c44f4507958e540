// Removing a job's images from R2: for DELETE /v1/jobs/{id} (jobs/delete.ts) and for the cron's
// retention step, which removes the images of succeeded jobs older than their instance's
// `image_retention_days` and sets `images_removed_at`; the row, its history and result stay.
//
// R2 first, then the row. A run that fails or dies between the two leaves `images_removed_at`
// null, so the next run finds the job again, deletes its keys once more (R2 answers a missing key
// as a success) and marks it. The other order could mark a job whose images then stay stored
// with nothing left pointing at them.
import type { Db } from "../db/client";
import { findJobsWithExpiredImages, type JobImage, markImagesRemoved } from "../db/queries/jobs";

/** Jobs per cron run: at most 4 images each, so at most 2 R2 calls, 1 D1 read and 6 updates. */
export const RETENTION_JOBS_PER_RUN = 500;
/** R2's limit of keys per `delete` call. */
const R2_KEYS_PER_DELETE = 1000;
/** With the timestamp, D1's limit of 100 bound parameters per statement. */
const IDS_PER_UPDATE = 99;

export type ImageBucket = Pick<R2Bucket, "delete">;

/** Deletes the objects of these images; throws when R2 does (nothing is recorded here). */
export async function deleteImageObjects(bucket: ImageBucket, images: readonly JobImage[]): Promise<number> {
  const keys = images.map((img) => img.r2Key);
  for (let i = 0; i < keys.length; i += R2_KEYS_PER_DELETE) {
    await bucket.delete(keys.slice(i, i + R2_KEYS_PER_DELETE));
  }
  return keys.length;
}

export interface RetentionDeps {
  db: Db;
  bucket: ImageBucket;
  now: number;
  /** Jobs handled in this run (default RETENTION_JOBS_PER_RUN); the rest wait for the next. */
  limit?: number;
}

export interface RetentionResult {
  /** Jobs whose images this run removed (and marked). */
  jobs: number;
  /** R2 objects deleted. */
  objects: number;
}

export async function removeExpiredImages(deps: RetentionDeps): Promise<RetentionResult> {
  const due = await findJobsWithExpiredImages(deps.db, deps.now, deps.limit ?? RETENTION_JOBS_PER_RUN);
  const objects = await deleteImageObjects(
    deps.bucket,
    due.flatMap((job) => job.images ?? []),
  );
  let marked = 0;
  for (let i = 0; i < due.length; i += IDS_PER_UPDATE) {
    const ids = due.slice(i, i + IDS_PER_UPDATE).map((job) => job.id);
    marked += await markImagesRemoved(deps.db, ids, deps.now);
  }
  return { jobs: marked, objects };
}
