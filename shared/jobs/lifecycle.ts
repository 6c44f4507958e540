// The consumer's side of the job state machine: claim, finish, fail, retry. Each step is one
// conditional transition, so a duplicate delivery or a consumer that lost its lease changes nothing.
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { jobImages, jobs } from "../db/schema";
import type { JobImageRow } from "../db/queries/jobs";
import { transition } from "./transitions";

export interface JobError {
  code: string;
  message: string;
}

/** queued -> running, or takes over a running job whose lease expired (its consumer died). */
export async function claimJob(
  db: Db,
  jobId: string,
  opts: { leaseToken: string; leaseMs: number; now: number; provider: string },
) {
  const { leaseToken, leaseMs, now, provider } = opts;
  const takeover = or(eq(jobs.status, "queued"), lt(jobs.leaseExpiresAt, now), isNull(jobs.leaseExpiresAt));
  return transition(db, {
    jobId,
    from: ["queued", "running"],
    to: "running",
    event: "running",
    where: and(takeover, isNull(jobs.cancelRequestedAt)),
    set: { leaseToken, leaseExpiresAt: now + leaseMs, provider },
    setSql: { attempts: sql`${jobs.attempts} + 1`, startedAt: sql`coalesce(${jobs.startedAt}, ${now})` },
    data: { provider, lease_expires_at: new Date(now + leaseMs).toISOString() },
    now,
  });
}

export interface SuccessResult {
  images: Omit<JobImageRow, "jobId">[];
  model: string;
  revisedPrompt: string | null;
  costUsd: number | null;
}

/** running -> succeeded with its image rows, only while our lease holds and no cancel was asked. */
export async function succeedJob(
  db: Db,
  jobId: string,
  leaseToken: string,
  result: SuccessResult,
  now: number,
) {
  return transition(db, {
    jobId,
    from: ["running"],
    to: "succeeded",
    event: "succeeded",
    leaseToken,
    where: isNull(jobs.cancelRequestedAt),
    set: {
      completedAt: now,
      model: result.model,
      revisedPrompt: result.revisedPrompt,
      costUsd: result.costUsd,
      leaseToken: null,
      leaseExpiresAt: null,
      errorCode: null,
      errorMessage: null,
    },
    data: { images: result.images.length, model: result.model, cost_usd: result.costUsd },
    extra: (token) =>
      result.images.map((img) =>
        db.insert(jobImages).select(
          db
            .select({
              jobId: jobs.id,
              index: sql`${img.index}`.as("idx"),
              r2Key: sql`${img.r2Key}`.as("r2_key"),
              contentType: sql`${img.contentType}`.as("content_type"),
              width: sql`${img.width}`.as("width"),
              height: sql`${img.height}`.as("height"),
              bytes: sql`${img.bytes}`.as("bytes"),
              seed: sql`${img.seed}`.as("seed"),
            })
            .from(jobs)
            .where(and(eq(jobs.id, jobId), eq(jobs.transitionToken, token))),
        ),
      ),
    now,
  });
}

/**
 * Gives up our lease without a state change (no event): the job stays `running`, but the next
 * delivery may take it over at once instead of waiting out the lease. For a delivery that failed
 * unexpectedly and hands its message back to Queues.
 */
export async function releaseLease(db: Db, jobId: string, leaseToken: string, now: number) {
  await db
    .update(jobs)
    .set({ leaseExpiresAt: now, updatedAt: now })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, "running"), eq(jobs.leaseToken, leaseToken)));
}

/** running -> failed: a permanent provider error. */
export async function failJob(db: Db, jobId: string, leaseToken: string, error: JobError, now: number) {
  return transition(db, {
    jobId,
    from: ["running"],
    to: "failed",
    event: "failed",
    leaseToken,
    set: {
      completedAt: now,
      errorCode: error.code,
      errorMessage: error.message,
      leaseToken: null,
      leaseExpiresAt: null,
    },
    data: { error },
    now,
  });
}

/** running -> queued: a retryable failure, to be tried again after `delaySeconds`. */
export async function scheduleRetry(
  db: Db,
  jobId: string,
  leaseToken: string,
  info: { error: JobError; delaySeconds: number; attempt: number },
  now: number,
) {
  return transition(db, {
    jobId,
    from: ["running"],
    to: "queued",
    event: "retry_scheduled",
    leaseToken,
    set: {
      errorCode: info.error.code,
      errorMessage: info.error.message,
      leaseToken: null,
      leaseExpiresAt: null,
      resendDueAt: now + info.delaySeconds * 1000,
    },
    data: { error: info.error, delay_seconds: info.delaySeconds, attempt: info.attempt },
    now,
  });
}

/** running -> canceled: a cancel arrived while the provider was working. */
export async function cancelRunningJob(db: Db, jobId: string, leaseToken: string, now: number) {
  return transition(db, {
    jobId,
    from: ["running"],
    to: "canceled",
    event: "canceled",
    leaseToken,
    set: { completedAt: now, leaseToken: null, leaseExpiresAt: null },
    data: { reason: "cancel requested while running" },
    now,
  });
}

/** queued|running -> dead_lettered: attempts are spent, recorded by the dead-letter consumer. */
export async function deadLetterJob(
  db: Db,
  jobId: string,
  error: JobError | null,
  now: number,
  extra?: (token: string) => BatchItem<"sqlite">[],
) {
  return transition(db, {
    jobId,
    from: ["queued", "running"],
    to: "dead_lettered",
    event: "dead_lettered",
    set: {
      completedAt: now,
      leaseToken: null,
      leaseExpiresAt: null,
      ...(error ? { errorCode: error.code, errorMessage: error.message } : {}),
    },
    data: { error },
    extra,
    now,
  });
}

/** Moves the job to the next provider of its chain; its event says from where, to where and why. */
export async function moveToProvider(
  db: Db,
  jobId: string,
  move: { from: string; to: string; reason: string; leaseToken?: string },
  now: number,
) {
  return transition(db, {
    jobId,
    from: move.leaseToken ? ["running"] : ["queued"],
    to: "queued",
    event: "provider_fallback",
    leaseToken: move.leaseToken,
    // Its message is sent at once (shared/jobs/resend.ts).
    set: { provider: move.to, leaseToken: null, leaseExpiresAt: null, resendDueAt: now },
    data: { from: move.from, to: move.to, reason: move.reason },
    now,
  });
}
