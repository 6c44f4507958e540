// One job, start to finish: claim it, call the provider, store the images, record the outcome.
// Returns a Decision; the caller applies it to the message. Failures inside the pipeline are
// classified here, and only here, from the shared provider error classes.
import { queueRetryDelaySeconds } from "../../shared/pacing/backoff";
import type { ConsumerConfig } from "../../shared/config";
import type { Db } from "../../shared/db/client";
import { getJob, type JobRow } from "../../shared/db/queries/jobs";
import { terminalStatuses, type ProviderName } from "../../shared/jobs/enums";
import {
  cancelRunningJob,
  claimJob,
  failJob,
  type JobError,
  scheduleRetry,
  succeedJob,
} from "../../shared/jobs/lifecycle";
import type { JobMessage } from "../../shared/jobs/message";
import { ProviderError } from "../../shared/providers/errors";
import { defaultProviderName } from "../../shared/providers/registry";
import type { Decision } from "./decision";
import { log } from "./log";
import { runProvider } from "./run-provider";
import { deleteImages, storeImages } from "./store-images";

export interface JobDeps {
  env: ConsumerEnv;
  db: Db;
  config: ConsumerConfig;
  now: () => number;
}

export async function processJob(deps: JobDeps, message: JobMessage): Promise<Decision> {
  const { db, config } = deps;
  const job = await getJob(db, message.job_id);
  if (!job) return { kind: "ack", reason: "job does not exist" };
  if (terminalStatuses.includes(job.status)) return { kind: "ack", reason: `job already ${job.status}` };

  const provider = (job.requestedProvider ??
    defaultProviderName(deps.env as unknown as Record<string, unknown>)) as ProviderName;
  const leaseToken = crypto.randomUUID();
  const claimed = await claimJob(db, job.id, {
    leaseToken,
    leaseMs: config.JOB_LEASE_SECONDS * 1000,
    now: deps.now(),
    provider,
  });
  if (!claimed.applied) return afterLostClaim(deps, message);

  try {
    const run = await runProvider(
      deps.env as unknown as Record<string, unknown>,
      config,
      provider,
      job.input,
    );
    const stored = await storeImages(deps.env.IMAGES, job, provider, run.result.images);
    const done = await succeedJob(
      db,
      job.id,
      leaseToken,
      {
        images: stored,
        model: run.result.model,
        revisedPrompt: run.result.revisedPrompt ?? null,
        costUsd: run.costUsd,
      },
      deps.now(),
    );
    if (!done.applied) {
      // Lease lost or cancel requested while the provider worked: the result must not be kept.
      await deleteImages(
        deps.env.IMAGES,
        stored.map((img) => img.r2Key),
      );
      await cancelRunningJob(db, job.id, leaseToken, deps.now());
      return { kind: "ack", reason: "result discarded (canceled or lease lost)" };
    }
    log("info", "job succeeded", {
      job_id: job.id,
      request_id: message.request_id,
      provider,
      images: stored.length,
    });
    return { kind: "ack", reason: "succeeded" };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return onProviderError(deps, job, message, leaseToken, error);
  }
}

async function onProviderError(
  deps: JobDeps,
  job: JobRow,
  message: JobMessage,
  leaseToken: string,
  error: ProviderError,
): Promise<Decision> {
  const jobError: JobError = { code: error.code, message: error.message };
  const attempt = message.attempt + 1;
  log("warn", "provider call failed", {
    job_id: job.id,
    request_id: message.request_id,
    provider: error.provider,
    code: error.code,
    retryable: error.retryable,
    attempt,
  });
  if (!error.retryable) {
    await failJob(deps.db, job.id, leaseToken, jobError, deps.now());
    return { kind: "ack", reason: `failed: ${error.code}` };
  }
  if (attempt >= deps.config.JOB_MAX_ATTEMPTS) {
    return {
      kind: "dead_letter",
      message: { ...message, attempt, last_error: jobError },
      reason: "attempts spent",
    };
  }
  const backoff = queueRetryDelaySeconds(attempt, {
    baseSeconds: deps.config.JOB_RETRY_BASE_SECONDS,
    maxSeconds: deps.config.JOB_RETRY_MAX_SECONDS,
  });
  const delaySeconds = Math.max(backoff, Math.ceil((error.retryAfterMs ?? 0) / 1000));
  await scheduleRetry(deps.db, job.id, leaseToken, { error: jobError, delaySeconds, attempt }, deps.now());
  return { kind: "requeue", delaySeconds, message: { ...message, attempt }, reason: `retry: ${error.code}` };
}

/** Someone else holds the job (a duplicate delivery) or it was canceled meanwhile. */
async function afterLostClaim(deps: JobDeps, message: JobMessage): Promise<Decision> {
  const job = await getJob(deps.db, message.job_id);
  if (!job || terminalStatuses.includes(job.status)) return { kind: "ack", reason: "job ended meanwhile" };
  if (job.cancelRequestedAt !== null && job.status === "queued")
    return { kind: "ack", reason: "cancel requested" };
  // A live lease: look again once it would have expired, in case its holder died.
  const waitMs = Math.max(1000, (job.leaseExpiresAt ?? deps.now()) - deps.now() + 1000);
  return {
    kind: "requeue",
    delaySeconds: Math.ceil(waitMs / 1000),
    message,
    reason: "held by another delivery",
  };
}
