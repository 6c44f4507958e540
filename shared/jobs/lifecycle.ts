// The consumer's side of the job state machine: claim, finish, fail, retry. Each step is one
// conditional transition, so a duplicate delivery or a consumer that lost its lease changes nothing.
// Every way out of `running` honours a cancel request: the table refuses the move (transitions.ts)
// and `applyOrCancel` ends the job `canceled` instead, so it can never wait in `queued` unclaimable.
import { and, eq, isNotNull, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { jobs } from "../db/schema";
import type { JobImage } from "../db/queries/jobs";
import type { JobOutput } from "../db/schema";
import { insertWebhookEventForChange } from "../db/queries/webhooks";
import type { ChangeWebhook, InsertedWebhookEvent } from "../webhooks/emit";
import { type TransitionRequest, transition } from "./transitions";

export interface JobError {
  code: string;
  message: string;
}

/** How a step out of `running` ended: as asked, canceled (its cancel was asked), or not ours. */
export type RunningExit = "applied" | "canceled" | "lost";

/**
 * running (or queued) -> canceled for a job whose cancel was asked. With a lease token, only while
 * that lease holds; with `where`, only under that condition too (an abandoned job's expired lease).
 */
export async function cancelRequestedJob(
  db: Db,
  jobId: string,
  now: number,
  opts: { leaseToken?: string; where?: SQL } = {},
) {
  return transition(db, {
    jobId,
    event: "canceled",
    leaseToken: opts.leaseToken,
    where: and(isNotNull(jobs.cancelRequestedAt), opts.where),
    set: { completedAt: now, leaseToken: null, leaseExpiresAt: null },
    data: { reason: "cancel requested while running" },
    now,
  });
}

/**
 * A job whose cancel was asked and that no live delivery holds (queued, or its lease expired with
 * its consumer): canceled now. A live holder ends it itself at its next step.
 */
export async function cancelAbandonedJob(db: Db, jobId: string, now: number) {
  const abandoned = or(eq(jobs.status, "queued"), isNull(jobs.leaseExpiresAt), lte(jobs.leaseExpiresAt, now));
  return cancelRequestedJob(db, jobId, now, { where: abandoned });
}

/** Applies `req`, or ends the job canceled when that was refused because a cancel was asked. */
async function applyOrCancel(db: Db, req: TransitionRequest): Promise<RunningExit> {
  if ((await transition(db, req)).applied) return "applied";
  return cancelInstead(db, req);
}

/** After `req` was refused: canceled when its cancel was asked, otherwise the job is not ours. */
async function cancelInstead(db: Db, req: TransitionRequest): Promise<"canceled" | "lost"> {
  const canceled = await cancelRequestedJob(db, req.jobId, req.now, { leaseToken: req.leaseToken });
  return canceled.applied ? "canceled" : "lost";
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
    event: "running",
    where: takeover,
    set: { leaseToken, leaseExpiresAt: now + leaseMs, provider },
    setSql: { attempts: sql`${jobs.attempts} + 1`, startedAt: sql`coalesce(${jobs.startedAt}, ${now})` },
    data: { provider, lease_expires_at: new Date(now + leaseMs).toISOString() },
    now,
  });
}

export interface SuccessResult {
  images: JobImage[];
  /** A text job's output; absent for image jobs. */
  output?: JobOutput | null;
  model: string;
  revisedPrompt: string | null;
  costUsd: number | null;
}

/** What a success writes on the job row (besides status and history). */
export function successPatch(result: SuccessResult, now: number) {
  return {
    completedAt: now,
    images: result.images,
    output: result.output ?? null,
    model: result.model,
    revisedPrompt: result.revisedPrompt,
    costUsd: result.costUsd,
    leaseToken: null,
    leaseExpiresAt: null,
    errorCode: null,
    errorMessage: null,
  };
}

/**
 * running -> succeeded with its images and its webhook event (when given), all in one batch,
 * only while our lease holds and no cancel was asked. Returns the webhook row it inserted, if any.
 */
export async function succeedJob(
  db: Db,
  jobId: string,
  leaseToken: string,
  result: SuccessResult,
  now: number,
  webhook?: ChangeWebhook | null,
): Promise<{ exit: RunningExit; webhookRows: InsertedWebhookEvent[] }> {
  const req: TransitionRequest = {
    jobId,
    event: "succeeded",
    leaseToken,
    set: successPatch(result, now),
    data: result.output
      ? { chars: result.output.chars, model: result.model, cost_usd: result.costUsd }
      : { images: result.images.length, model: result.model, cost_usd: result.costUsd },
    now,
  };
  if (webhook) {
    req.extra = (token) => [
      insertWebhookEventForChange(db, { jobId, transitionToken: token, now, ...webhook }),
    ];
  }
  const done = await transition(db, req);
  if (!done.applied) return { exit: await cancelInstead(db, req), webhookRows: [] };
  const webhookRows = webhook ? (done.extras.at(-1) as InsertedWebhookEvent[]) : [];
  return { exit: "applied", webhookRows };
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
export async function failJob(
  db: Db,
  jobId: string,
  leaseToken: string,
  error: JobError,
  now: number,
): Promise<RunningExit> {
  return applyOrCancel(db, {
    jobId,
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
): Promise<RunningExit> {
  return applyOrCancel(db, {
    jobId,
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

/** queued|running -> dead_lettered: attempts are spent, recorded by the dead-letter consumer. */
export async function deadLetterJob(
  db: Db,
  jobId: string,
  error: JobError | null,
  now: number,
  extra?: (token: string) => BatchItem<"sqlite">[],
): Promise<RunningExit> {
  return applyOrCancel(db, {
    jobId,
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
): Promise<RunningExit> {
  return applyOrCancel(db, {
    jobId,
    from: move.leaseToken ? ["running"] : ["queued"],
    event: "provider_fallback",
    leaseToken: move.leaseToken,
    // Its message is sent at once (shared/jobs/resend.ts).
    set: { provider: move.to, leaseToken: null, leaseExpiresAt: null, resendDueAt: now },
    data: { from: move.from, to: move.to, reason: move.reason },
    now,
  });
}
