// The dead-letter queue's consumer: every job that reaches it ends `dead_lettered`, so no accepted
// job is lost even when its attempts are spent or its consumer kept crashing.
import type { Db } from "../../shared/db/client";
import { getJob } from "../../shared/db/queries/jobs";
import { deadLetterJob } from "../../shared/jobs/lifecycle";
import { JobMessageSchema } from "../../shared/jobs/message";
import { log } from "./log";

export async function handleDeadLetter(db: Db, message: Message<unknown>, now: number): Promise<void> {
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
  const result = await deadLetterJob(db, job.id, error, now);
  log("warn", "job dead-lettered", {
    job_id: job.id,
    request_id: body.request_id,
    code: error.code,
    applied: result.applied,
  });
  message.ack();
}
