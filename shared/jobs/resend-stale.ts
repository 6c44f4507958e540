// Fresh messages for jobs whose message was lost (the cron's sweep; `npm start` after a restart of
// its in-memory queues). Duplicates are harmless: claims are conditional. The jobs are touched so
// the next look does not find them stale again at once.
import type { Db } from "../db/client";
import { type StaleJob, touchJobs } from "../db/queries/stale-jobs";
import { type JobMessage, jobMessage } from "./message";

/** Queues take at most 100 messages per sendBatch. */
const SEND_BATCH = 100;

/** Sends one fresh message per job, in batches. */
export async function sendJobMessages(queue: Queue<JobMessage>, stale: readonly StaleJob[]): Promise<void> {
  const messages = stale.map((job) => ({
    body: jobMessage(
      { job_id: job.id, instance_id: job.instanceId, project_id: job.projectId, request_id: job.requestId },
      Math.max(0, job.attempts - 1),
    ),
    contentType: "json" as const,
  }));
  for (let i = 0; i < messages.length; i += SEND_BATCH)
    await queue.sendBatch(messages.slice(i, i + SEND_BATCH));
}

export async function resendStaleJobs(
  db: Db,
  queue: Queue<JobMessage>,
  stale: readonly StaleJob[],
  now: number,
): Promise<number> {
  if (stale.length === 0) return 0;
  await sendJobMessages(queue, stale);
  await touchJobs(
    db,
    stale.map((job) => job.id),
    now,
  );
  return stale.length;
}
