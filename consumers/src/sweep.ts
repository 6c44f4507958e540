// The safety net behind "every accepted job ends in a terminal state": a cron sweep that sends a
// fresh message for jobs whose message was lost. Duplicates are harmless: claims are conditional.
import type { ConsumerConfig } from "../../shared/config";
import type { Db } from "../../shared/db/client";
import { findStaleJobs, touchJobs } from "../../shared/db/queries/stale-jobs";
import { type JobMessage, jobMessage } from "../../shared/jobs/message";
import { log } from "./log";

const SWEEP_LIMIT = 500;
const LEASE_GRACE_MS = 60_000;

export async function sweepStaleJobs(db: Db, queue: Queue<JobMessage>, config: ConsumerConfig, now: number) {
  // Longer than the longest retry delay, so a job waiting on a delayed message is not stale.
  const queuedStaleMs = (config.JOB_RETRY_MAX_SECONDS + 300) * 1000;
  const stale = await findStaleJobs(db, {
    now,
    queuedStaleMs,
    leaseGraceMs: LEASE_GRACE_MS,
    limit: SWEEP_LIMIT,
  });
  if (stale.length === 0) return 0;
  const messages = stale.map((job) => ({
    body: jobMessage(
      { job_id: job.id, instance_id: job.instanceId, project_id: job.projectId, request_id: job.requestId },
      Math.max(0, job.attempts - 1),
    ),
    contentType: "json" as const,
  }));
  for (let i = 0; i < messages.length; i += 100) await queue.sendBatch(messages.slice(i, i + 100));
  await touchJobs(
    db,
    stale.map((job) => job.id),
    now,
  );
  log("warn", "re-sent messages for stale jobs", { count: stale.length });
  return stale.length;
}
