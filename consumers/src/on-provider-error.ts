// The one place that turns a provider failure into what happens next: fail, move to the next
// provider of the chain, retry later with backoff, or hand the job to the dead-letter queue.
import type { JobRow } from "../../shared/db/queries/jobs";
import type { ProviderName } from "../../shared/jobs/enums";
import { failJob, type JobError, moveToProvider, scheduleRetry } from "../../shared/jobs/lifecycle";
import type { JobMessage } from "../../shared/jobs/message";
import { nextProvider } from "../../shared/jobs/provider-chain";
import { MAX_QUEUE_DELAY_SECONDS, queueRetryDelaySeconds } from "../../shared/pacing/backoff";
import type { ProviderError } from "../../shared/providers/errors";
import { budgetDeps, settleJobBudget } from "./budget-settle";
import type { Decision } from "./decision";
import { log } from "./log";
import { recordProviderError } from "../../shared/observability/metrics";
import type { JobDeps } from "./job-deps";

export interface FailedCall {
  job: JobRow;
  message: JobMessage;
  leaseToken: string;
  provider: ProviderName;
  chain: ProviderName[];
  error: ProviderError;
}

export async function onProviderError(deps: JobDeps, call: FailedCall): Promise<Decision> {
  const { job, message, leaseToken, provider, chain, error } = call;
  const jobError: JobError = { code: error.code, message: error.message };
  const attempt = message.attempt + 1;
  const now = deps.now();
  log("warn", "provider call failed", {
    job_id: job.id,
    request_id: message.request_id,
    provider,
    code: error.code,
    retryable: error.retryable,
    attempt,
  });
  recordProviderError(job.instanceId, provider, error, attempt);

  // Outage, quota, in-flight limit, missing key: another provider may well succeed.
  const next = error.worthFallback ? nextProvider(chain, provider) : null;
  if (next) {
    const moved = await moveToProvider(
      deps.db,
      job.id,
      { from: provider, to: next, reason: error.code, leaseToken },
      now,
    );
    if (moved !== "applied") return endedMeanwhile(moved);
    const resend = { jobId: job.id, seen: null, due: now };
    return { kind: "requeue", delaySeconds: 0, message, resend, reason: `moved to ${next}` };
  }
  if (!error.retryable) {
    const failed = await failJob(deps.db, job.id, leaseToken, jobError, now);
    if (failed === "applied") await settleJobBudget(budgetDeps(deps), job, 0);
    return failed === "applied" ? { kind: "ack", reason: `failed: ${error.code}` } : endedMeanwhile(failed);
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
  const retryAfter = Math.ceil((error.retryAfterMs ?? 0) / 1000);
  const delaySeconds = Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(backoff, retryAfter));
  const retry = await scheduleRetry(
    deps.db,
    job.id,
    leaseToken,
    { error: jobError, delaySeconds, attempt },
    now,
  );
  if (retry !== "applied") return endedMeanwhile(retry);
  // The retry's state change set the due time; a failed send clears it (seen: null).
  const resend = { jobId: job.id, seen: null, due: now + delaySeconds * 1000 };
  return {
    kind: "requeue",
    delaySeconds,
    message: { ...message, attempt },
    resend,
    reason: `retry: ${error.code}`,
  };
}

/** The step was not ours to take: the job was canceled (its cancel was asked) or another delivery took it. */
function endedMeanwhile(exit: "canceled" | "lost"): Decision {
  return { kind: "ack", reason: exit === "canceled" ? "canceled while running" : "lease lost" };
}
