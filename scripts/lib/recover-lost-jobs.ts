// After a restart of `npm start`, every job the previous session left `queued` lost its message:
// local queues live in wrangler dev's memory. The cron's sweep (consumers/src/sweep.ts) re-sends a
// queued job only once it looks stale (untouched for JOB_RETRY_MAX_SECONDS + 300 s, 20 minutes by
// default), because on a deployment a queued job may be waiting on a delayed retry. Right after a
// local start nothing can be waiting yet, so queued jobs last touched before this session began
// are re-sent at once. (Running jobs wait for their lease to run out; the sweep takes them then.)
import type { Db } from "../../shared/db/client";
import { findStaleJobs, type StaleJob, touchJobs } from "../../shared/db/queries/stale-jobs";
import type { JobMessage } from "../../shared/jobs/message";
import { sendJobMessages } from "../../shared/jobs/resend-stale";

const LIMIT = 500;

/** The jobs queued before `sessionStartedAt`, marked as looked at (so the sweep leaves them). */
export async function collectLostJobs(db: Db, sessionStartedAt: number, now: number): Promise<StaleJob[]> {
  const lost = await findStaleJobs(db, {
    now,
    queuedStaleMs: Math.max(0, now - sessionStartedAt),
    // No running job: its lease may belong to this session.
    leaseGraceMs: Number.MAX_SAFE_INTEGER,
    limit: LIMIT,
  });
  if (lost.length > 0) {
    await touchJobs(
      db,
      lost.map((job) => job.id),
      now,
    );
  }
  return lost;
}

/** collectLostJobs, then their messages, at once (the running session's D1 and queue). */
export async function recoverLostJobs(
  db: Db,
  queue: Queue<JobMessage>,
  sessionStartedAt: number,
  now: number,
): Promise<number> {
  const lost = await collectLostJobs(db, sessionStartedAt, now);
  await sendJobMessages(queue, lost);
  return lost.length;
}
