// The dead-letter queue's consumer: every job that reaches it ends `dead_lettered`, so no accepted
// job is lost even when its attempts are spent or its consumer kept crashing.
import type { Db } from "../../shared/db/client";
import { and, eq, sql } from "drizzle-orm";
import { getJob } from "../../shared/db/queries/jobs";
import { deadLetters, jobs } from "../../shared/db/schema";
import { newId } from "../../shared/ids";
import { deadLetterJob } from "../../shared/jobs/lifecycle";
import { JobMessageSchema } from "../../shared/jobs/message";
import { emitWebhookForJob } from "../../shared/webhooks/emit";
import type { WebhookDeliveryMessage } from "../../shared/webhooks/message";
import { settleJobBudget } from "./budget-settle";
import { log } from "./log";

export async function handleDeadLetter(
  db: Db,
  message: Message<unknown>,
  now: number,
  webhooks?: Queue<WebhookDeliveryMessage>,
  budgets?: unknown,
): Promise<void> {
  const parsed = JobMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    log("error", "unreadable dead letter dropped", {
      message_id: message.id,
      issues: parsed.error.issues.length,
    });
    message.ack();
    return;
  }
  const body = parsed.data;
  const job = await getJob(db, body.job_id);
  if (!job) {
    message.ack();
    return;
  }
  const error = body.last_error ?? {
    code: job.errorCode ?? "delivery_retries_exhausted",
    message: job.errorMessage ?? "The job's message kept failing and was moved to the dead-letter queue",
  };
  // The dead-letter row commits with the state change, and only if the change applied, so a
  // redelivered dead letter does not record the job twice.
  const result = await deadLetterJob(db, job.id, error, now, (token) => [
    db.insert(deadLetters).select(
      db
        .select({
          id: sql`${newId("dl")}`.as("id"),
          jobId: jobs.id,
          instanceId: jobs.instanceId,
          projectId: jobs.projectId,
          provider: jobs.provider,
          errorCode: sql`${error.code}`.as("error_code"),
          errorMessage: sql`${error.message}`.as("error_message"),
          attempts: jobs.attempts,
          message: sql`${JSON.stringify(body)}`.as("message"),
          createdAt: sql`${now}`.as("created_at"),
          replayedAt: sql`NULL`.as("replayed_at"),
          replayCount: sql`0`.as("replay_count"),
        })
        .from(jobs)
        .where(and(eq(jobs.id, job.id), eq(jobs.transitionToken, token))),
    ),
  ]);
  log("warn", "job dead-lettered", {
    job_id: job.id,
    request_id: body.request_id,
    code: error.code,
    outcome: result,
  });
  if (budgets !== undefined && webhooks && result !== "lost")
    await settleJobBudget({ db, budgets, webhooks, now }, job, 0);
  // job.dead_lettered (idempotent per job version, so a redelivered dead letter sends nothing new).
  if (webhooks) await emitWebhookForJob({ db, queue: webhooks, now: () => now }, job.id);
  message.ack();
}
