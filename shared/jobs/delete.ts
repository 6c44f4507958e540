// Deleting a job from the API: only an ended job. Its images leave R2, then ONE batch turns the
// row into a tombstone and writes the audit record. The tombstone keeps what says what happened
// (ids, type, status, provider, attempts, cost, model, error code, times, the numbered history and
// the images' sizes) and drops the user's content: the input (prompt, negative prompt, seed),
// metadata, webhook URL and filter, the revised prompt and the error message (a provider's may
// quote the prompt). The job's webhook events (their bodies are whole copies of the job), dead
// letters and idempotency record go in the same batch.
//
// Order: R2 first, then the row. If R2 fails, or the Worker dies after it, nothing in D1 changed:
// the client's DELETE did not succeed, and repeating it deletes the keys again (R2 answers a
// missing key as a success) and writes the tombstone. Writing the row first would need a sweep for
// tombstones whose images are still stored, and no index finds those (docs/api.md).
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import { getJobForInstance, type JobRow, type JobScope } from "../db/queries/jobs";
import { deadLetters, idempotencyKeys, jobs, webhookEvents } from "../db/schema";
import { ApiError } from "../errors";
import { auditInsertWhen } from "../tenancy/audit-when";
import { isoTime } from "../time";
import { terminalStatuses } from "./enums";
import { type ArchiveRewriteBucket, redactArchivedJob } from "./archive-redact";
import { deleteImageObjects, type ImageBucket } from "./retention";
import { log } from "../observability/log";

export interface DeleteJobDeps {
  db: Db;
  bucket: ImageBucket & ArchiveRewriteBucket;
  now: () => number;
  requestId: string;
}

export interface DeleteJobResult {
  /** The tombstone. */
  row: JobRow;
  /** False when the job was already deleted (a repeated DELETE changes nothing). */
  deleted: boolean;
}

export async function deleteJob(
  deps: DeleteJobDeps,
  caller: Caller & JobScope,
  jobId: string,
): Promise<DeleteJobResult> {
  const { db } = deps;
  const job = await getJobForInstance(db, caller, jobId);
  if (!job) throw new ApiError("job_not_found", `No job ${jobId}`);
  if (job.deletedAt !== null) return { row: job, deleted: false };
  if (!terminalStatuses.includes(job.status)) {
    throw new ApiError("job_not_terminal", `Job ${jobId} is ${job.status}: cancel it first, then delete it`);
  }

  if (job.output?.r2Key || (job.imagesRemovedAt === null && job.images?.length)) {
    try {
      await deleteImageObjects(deps.bucket, job.imagesRemovedAt === null ? (job.images ?? []) : []);
      // A text job's long output is the user's content too.
      if (job.output?.r2Key) await deps.bucket.delete([job.output.r2Key]);
    } catch (error) {
      log("error", "job images not deleted", {
        job_id: jobId,
        request_id: deps.requestId,
        error: String(error),
      });
      throw new ApiError(
        "service_unavailable",
        `Job ${jobId}'s images could not be removed; nothing was deleted, try again`,
      );
    }
  }

  // An archived job's content is also in its archive line: out of R2 before the row, like the images.
  if (job.archiveKey !== null) await redactArchivedJob(deps.bucket, job);

  const now = deps.now();
  const token = crypto.randomUUID();
  // Every other statement applies only if the tombstone UPDATE did (it wrote this call's token).
  const ours = sql`exists (select 1 from ${jobs} where ${jobs.id} = ${jobId} and ${jobs.transitionToken} = ${token})`;
  const [tombstone] = await db.batch([
    db
      .update(jobs)
      .set({
        deletedAt: now,
        imagesRemovedAt: sql`coalesce(${jobs.imagesRemovedAt}, ${now})`,
        input: sql`'{}'`,
        output: null,
        metadata: null,
        webhookUrl: null,
        webhookEvents: null,
        revisedPrompt: null,
        errorMessage: null,
        transitionToken: token,
        updatedAt: now,
      })
      .where(and(eq(jobs.id, jobId), isNull(jobs.deletedAt), inArray(jobs.status, [...terminalStatuses])))
      .returning(),
    auditInsertWhen(
      { db, caller, requestId: deps.requestId, now },
      {
        organizationId: caller.organizationId,
        action: "job.delete",
        resourceType: "job",
        resourceId: jobId,
        // Never the input: the record must not keep what the deletion removes.
        before: { status: job.status, images: job.images?.length ?? 0, deleted_at: null },
        after: { status: job.status, deleted_at: isoTime(now) },
      },
      ours,
    ),
    db.delete(webhookEvents).where(and(eq(webhookEvents.jobId, jobId), ours)),
    db.delete(deadLetters).where(and(eq(deadLetters.jobId, jobId), ours)),
    db
      .delete(idempotencyKeys)
      .where(and(eq(idempotencyKeys.apiKeyId, job.apiKeyId), eq(idempotencyKeys.jobId, jobId), ours)),
  ]);
  const row = tombstone[0];
  if (row) return { row, deleted: true };

  // The UPDATE did not apply: another DELETE won, or the job left its ended state meanwhile (an
  // operator replayed a dead letter).
  const current = await getJobForInstance(db, caller, jobId);
  if (!current) throw new ApiError("job_not_found", `No job ${jobId}`);
  if (current.deletedAt !== null) return { row: current, deleted: false };
  throw new ApiError(
    "job_not_terminal",
    `Job ${jobId} is ${current.status}: cancel it first, then delete it`,
  );
}
