// After a restart of `npm start`, every job the previous session left `queued` lost its message:
// local queues live in wrangler dev's memory. The cron's sweep (consumers/src/sweep.ts) re-sends a
// queued job only once it looks stale (untouched for JOB_RETRY_MAX_SECONDS + 300 s, 20 minutes by
// default), because on a deployment a queued job may be waiting on a delayed retry. Right after a
// local start nothing can be waiting yet, so queued jobs last touched before this session began
// are re-sent at once. (Running jobs wait for their lease to run out; the sweep takes them then.)
import type { Db } from "../../shared/db/client";
import { findStaleJobs, touchJobs } from "../../shared/db/queries/stale-jobs";
import { type JobMessage, jobMessage } from "../../shared/jobs/message";

const LIMIT = 500;

export async function recoverLostJobs(
  db: Db,
  queue: Queue<JobMessage>,
  sessionStartedAt: number,
  now: number,
): Promise<number> {
  const lost = await findStaleJobs(db, {
    now,
    queuedStaleMs: Math.max(0, now - sessionStartedAt),
    // No running job: its lease may belong to this session.
    leaseGraceMs: Number.MAX_SAFE_INTEGER,
    limit: LIMIT,
  });
  if (lost.length === 0) return 0;
  const messages = lost.map((job) => ({
    body: jobMessage(
      { job_id: job.id, instance_id: job.instanceId, project_id: job.projectId, request_id: job.requestId },
      Math.max(0, job.attempts - 1),
    ),
    contentType: "json" as const,
  }));
  for (let i = 0; i < messages.length; i += 100) await queue.sendBatch(messages.slice(i, i + 100));
  await touchJobs(
    db,
    lost.map((job) => job.id),
    now,
  );
  return lost.length;
}
