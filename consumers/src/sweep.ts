// The safety net behind "every accepted job ends in a terminal state": a cron sweep that sends a
// fresh message for jobs whose message was lost (shared/jobs/resend-stale.ts).
import type { ConsumerConfig } from "../../shared/config";
import type { Db } from "../../shared/db/client";
import { findStaleJobs } from "../../shared/db/queries/stale-jobs";
import type { JobMessage } from "../../shared/jobs/message";
import { resendStaleJobs } from "../../shared/jobs/resend-stale";
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
  const resent = await resendStaleJobs(db, queue, stale, now);
  if (resent === 0) return 0;
  log("warn", "re-sent messages for stale jobs", { count: resent });
  return resent;
}
