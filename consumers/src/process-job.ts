// One job, start to finish: pick its provider, take a pacing slot, claim the job while the slot's
// token falls due, call the provider, store the images, record the outcome. Returns a Decision;
// the caller applies it.
// Failures are classified here, and only here, from the shared provider error classes.
import { getJob, type JobRow } from "../../shared/db/queries/jobs";
import { terminalStatuses } from "../../shared/jobs/enums";
import {
  cancelAbandonedJob,
  claimJob,
  moveToProvider,
  releaseLease,
  succeedJob,
  successPatch,
} from "../../shared/jobs/lifecycle";
import type { JobMessage } from "../../shared/jobs/message";
import { currentProvider, nextProvider } from "../../shared/jobs/provider-chain";
import { claimNextMessage, isStaleCopy } from "../../shared/jobs/resend";
import { deferDelaySeconds } from "../../shared/pacing/backoff";
import { ProviderError } from "../../shared/providers/errors";
import { changeWebhook, emitWebhookForJob, sendChangeWebhook } from "../../shared/webhooks/emit";
import { wantsEvent } from "../../shared/webhooks/payload";
import type { Decision } from "./decision";
import type { JobDeps } from "./job-deps";
import { log } from "./log";
import { onProviderError } from "./on-provider-error";
import { budgetDeps, settleJobBudget } from "./budget-settle";
import { acquireSlot, instanceSettings, limitsFor } from "./pacing";
import { runWithInstanceKeys } from "./provider-keys";
import { type ProviderRun, runWithQuickRetries } from "./run-provider";
import { jobChain } from "./select-provider";
import { deleteImages, storeImages } from "./store-images";
import { storeOutput } from "./store-output";

/** A copy of this message already sent the job's next one (shared/jobs/resend.ts). */
const ANOTHER_COPY_RESENT: Decision = { kind: "ack", reason: "another copy re-sent the job" };

export async function processJob(deps: JobDeps, message: JobMessage): Promise<Decision> {
  const { db, config } = deps;
  const job = deps.preloaded !== undefined ? deps.preloaded : await getJob(db, message.job_id);
  if (!job) return { kind: "ack", reason: "job does not exist" };
  if (terminalStatuses.includes(job.status)) {
    // Canceled through the API before it ran: its budget reservation ends here (other ends settle their own).
    if (job.status === "canceled") await settleJobBudget(budgetDeps(deps), job, 0);
    return { kind: "ack", reason: `job already ${job.status}` };
  }
  if (job.cancelRequestedAt !== null) return settleCancelRequest(deps, message, job);
  if (isStaleCopy(job, deps.now()))
    return { kind: "ack", reason: "stale copy: the next message is on its way" };
  // Another delivery is running the job: a pacing slot taken here would go unused.
  if (job.status === "running" && (job.leaseExpiresAt ?? 0) > deps.now())
    return heldByAnother(deps, message, job);

  const settings = await instanceSettings(db, job.instanceId, deps.now());
  const env = deps.env as unknown as Record<string, unknown>;
  const chain = await jobChain(deps, job, settings);
  if (chain === null) return afterLostClaim(deps, message);
  const provider = currentProvider(job, chain);
  const limits = limitsFor(settings, provider, config.JOB_LEASE_SECONDS * 1000);
  const gateFor = () =>
    acquireSlot({
      namespace: deps.env.TOKEN_BUCKET,
      instanceId: job.instanceId,
      provider,
      input: job.input,
      limits,
      maxInlineWaitMs: config.PACING_MAX_INLINE_WAIT_MS,
      sleep: deps.sleep,
      now: deps.now,
      job: { createdAt: job.createdAt, canFallBack: nextProvider(chain, provider) !== null },
      priority: message.priority,
    });

  const gate = await gateFor();
  if (gate.kind === "denied") {
    const next = gate.reason === "circuit_open" ? nextProvider(chain, provider) : null;
    const move = next !== null && job.status === "queued";
    // A busy instance never costs an attempt: the message comes back when the bucket says so.
    const delaySeconds = move ? 0 : deferDelaySeconds(gate.retryAfterMs);
    const now = deps.now();
    const resend = await claimNextMessage(db, job, now, delaySeconds);
    if (!resend) return ANOTHER_COPY_RESENT;
    if (move) {
      const moved = await moveToProvider(
        db,
        job.id,
        { from: provider, to: next, reason: "circuit_open" },
        now,
      );
      if (moved !== "applied") return { kind: "ack", reason: `not moved to ${next}: ${moved}` };
      return { kind: "requeue", delaySeconds, message, resend, reason: `circuit open: moved to ${next}` };
    }
    return { kind: "requeue", delaySeconds, message, resend, reason: `deferred: ${gate.reason}` };
  }

  const leaseToken = crypto.randomUUID();
  const claimed = await claimJob(db, job.id, {
    leaseToken,
    leaseMs: limits.leaseTtlMs!,
    now: deps.now(),
    provider,
  });
  if (!claimed.applied) {
    await gate.release("not_called");
    return afterLostClaim(deps, message);
  }
  // job.started is opt-in: most jobs skip the emit (and its reads) altogether. Never fails the job.
  if (wantsEvent(job.webhookEvents, "job.started")) {
    await emitWebhookForJob({ db, queue: deps.env.WEBHOOKS, now: deps.now }, job.id);
  }

  try {
    const keyTarget = { instanceId: job.instanceId, provider };
    const ids = { instanceId: job.instanceId, projectId: job.projectId, jobId: job.id };
    const gateway = { stored: settings.aiGateway, ...ids, requestId: message.request_id };
    const run = await runWithInstanceKeys(deps, keyTarget, gate, gateFor, (apiKey, firstGate) =>
      runWithQuickRetries({ env, config, provider, input: job.input, apiKey, firstGate, gateFor, gateway }),
    );
    return await recordSuccess(deps, claimed.row ?? job, message, leaseToken, provider, run);
  } catch (error) {
    if (!(error instanceof ProviderError)) {
      // Queues redelivers this message: let that delivery take the job over, not wait out our lease.
      await releaseLease(db, job.id, leaseToken, deps.now()).catch(() => {});
      throw error;
    }
    return onProviderError(deps, { job, message, leaseToken, provider, chain, error });
  }
}

/**
 * Images (or a long text) to R2, then one D1 batch: the success, its result and its webhook event.
 * `job` is the row as our claim left it, so the webhook body is built without reading anything back.
 */
async function recordSuccess(
  deps: JobDeps,
  job: JobRow,
  message: JobMessage,
  leaseToken: string,
  provider: string,
  run: ProviderRun,
): Promise<Decision> {
  const bucket = deps.env.IMAGES;
  const stored = run.kind === "images" ? await storeImages(bucket, job, provider, run.result.images) : [];
  const output = run.kind === "text" ? await storeOutput(bucket, job, provider, run.result) : null;
  const result = {
    images: stored,
    output,
    model: run.result.model,
    revisedPrompt: (run.kind === "images" ? run.result.revisedPrompt : undefined) ?? null,
    costUsd: run.costUsd,
  };
  const now = deps.now();
  // The job as the success will leave it, for the webhook body written in the same batch.
  const succeeded: JobRow = { ...job, status: "succeeded", ...successPatch(result, now) };
  const hook = changeWebhook(succeeded, now);
  const done = await succeedJob(deps.db, job.id, leaseToken, result, now, hook);
  // A lost lease is settled by the delivery that holds the job now.
  if (done.exit !== "lost")
    await settleJobBudget(budgetDeps(deps), job, done.exit === "canceled" ? 0 : run.costUsd);
  // Canceled while the provider worked: the result must not be kept. A lost lease is different:
  // the delivery that took the job over writes the same R2 keys, so its objects must stay.
  if (done.exit === "canceled") {
    const keys = [...stored.map((img) => img.r2Key), ...(output?.r2Key ? [output.r2Key] : [])];
    await deleteImages(bucket, keys);
    return { kind: "ack", reason: "canceled while running" };
  }
  if (done.exit === "lost") return { kind: "ack", reason: "lease lost" };
  const emitDeps = { db: deps.db, queue: deps.env.WEBHOOKS, now: deps.now };
  if (hook) await sendChangeWebhook(emitDeps, job.id, hook, done.webhookRows);
  log("info", "job succeeded", {
    job_id: job.id,
    request_id: message.request_id,
    provider,
    ...(output
      ? { chars: output.chars, tokens: output.usage?.totalTokens ?? null }
      : { images: stored.length }),
  });
  return { kind: "ack", reason: "succeeded", webhookSettled: true };
}

/** Someone else holds the job (a duplicate delivery) or it was canceled meanwhile. */
async function afterLostClaim(deps: JobDeps, message: JobMessage): Promise<Decision> {
  const job = await getJob(deps.db, message.job_id);
  if (!job || terminalStatuses.includes(job.status)) return { kind: "ack", reason: "job ended meanwhile" };
  if (job.cancelRequestedAt !== null) return settleCancelRequest(deps, message, job);
  return heldByAnother(deps, message, job);
}

/**
 * Its cancel was asked: end it canceled now, unless a live delivery holds it. Then look again once
 * that lease would have expired, so a holder that died cannot leave it `running` for good.
 */
async function settleCancelRequest(deps: JobDeps, message: JobMessage, job: JobRow): Promise<Decision> {
  const canceled = await cancelAbandonedJob(deps.db, job.id, deps.now());
  if (canceled.applied) {
    await settleJobBudget(budgetDeps(deps), job, 0);
    return { kind: "ack", reason: "canceled: its cancel was requested" };
  }
  const current = await getJob(deps.db, job.id);
  if (!current || terminalStatuses.includes(current.status))
    return { kind: "ack", reason: "job ended meanwhile" };
  return heldByAnother(deps, message, current);
}

async function heldByAnother(deps: JobDeps, message: JobMessage, job: JobRow): Promise<Decision> {
  // A live lease: look again once it would have expired, in case its holder died.
  const now = deps.now();
  const delaySeconds = deferDelaySeconds(Math.max(1000, (job.leaseExpiresAt ?? now) - now + 1000));
  const resend = await claimNextMessage(deps.db, job, now, delaySeconds);
  if (!resend) return ANOTHER_COPY_RESENT;
  return { kind: "requeue", delaySeconds, message, resend, reason: "held by another delivery" };
}
