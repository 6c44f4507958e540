// One message of the jobs queue: validate, process, apply the decision. Messages are handled on
// their own: one bad message never retries the batch.
import { createDb, type Db } from "../../shared/db/client";
import { getJobs, type JobRow } from "../../shared/db/queries/jobs";
import { consumerConfig } from "../../shared/config";
import { JobMessageSchema } from "../../shared/jobs/message";
import { undoResend } from "../../shared/jobs/resend";
import { emitWebhookForJob } from "../../shared/webhooks/emit";
import { applyDecision, type Decision } from "./decision";
import { log } from "./log";
import { processJob } from "./process-job";

const INFRA_RETRY_SECONDS = 5;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The jobs of a whole batch, read in one statement before its messages run (each would otherwise
 * read its own). A message whose job was not read (another batch's, say) reads it itself.
 */
export async function preloadJobs(db: Db, batch: MessageBatch<unknown>): Promise<Map<string, JobRow>> {
  const ids = batch.messages.flatMap((m) => {
    const parsed = JobMessageSchema.safeParse(m.body);
    return parsed.success ? [parsed.data.job_id] : [];
  });
  // One message reads its own job: the same one statement, without the IN list.
  if (ids.length <= 1) return new Map();
  try {
    return await getJobs(db, ids);
  } catch (error) {
    // Each message then reads (and, if D1 is down, retries) on its own.
    log("warn", "batch job read failed; messages read their own", {
      error: error instanceof Error ? error.message : String(error),
    });
    return new Map();
  }
}

export async function handleJobMessage(
  message: Message<unknown>,
  env: ConsumerEnv,
  preloaded: ReadonlyMap<string, JobRow> = new Map(),
): Promise<void> {
  const parsed = JobMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    // Not a job message at all: retrying cannot help, and there is no job to mark.
    log("error", "invalid job message dropped", {
      message_id: message.id,
      issues: parsed.error.issues.slice(0, 3),
    });
    message.ack();
    return;
  }
  const deps = {
    env,
    db: createDb(env.DB, env),
    config: consumerConfig(env),
    now: () => Date.now(),
    sleep,
    // A job the batch read is used as read: null when the batch found no such job.
    preloaded: preloaded.size > 0 ? (preloaded.get(parsed.data.job_id) ?? null) : undefined,
  };
  let decision: Decision;
  try {
    decision = await processJob(deps, parsed.data);
  } catch (error) {
    log("error", "job processing failed unexpectedly", {
      job_id: parsed.data.job_id,
      request_id: parsed.data.request_id,
      error: error instanceof Error ? error.message : String(error),
    });
    decision = { kind: "retry", delaySeconds: INFRA_RETRY_SECONDS, reason: "unexpected error" };
  }
  try {
    await applyDecision(message, decision, env);
  } catch (error) {
    // The re-send was claimed but never sent: without the claim back, the redelivery of this
    // message would take itself for a stale copy and the job would wait for the sweep.
    if (decision.kind === "requeue") await undoResend(deps.db, decision.resend).catch(() => {});
    throw error;
  }
  log("info", "job message handled", {
    job_id: parsed.data.job_id,
    request_id: parsed.data.request_id,
    decision: decision.kind,
    reason: decision.reason,
  });
  // An ack is the only decision after which the job may have ended (now, or by an earlier delivery
  // that died before emitting): emit its terminal webhook, idempotently. Deferrals and retries,
  // the bulk of messages under a backlog, leave the job queued and cost no extra read; a success
  // wrote its webhook in its own batch (process-job.ts) and costs none either.
  if (decision.kind === "ack" && !decision.webhookSettled) {
    await emitWebhookForJob({ db: deps.db, queue: env.WEBHOOKS, now: deps.now }, parsed.data.job_id);
  }
}
