// One pending message per job, however many copies of a message arrive.
//
// Queues deliver at least once, so the same message may arrive twice. A copy that re-sends its job
// (a deferral while the instance is busy, a look-again while another delivery holds the job) would
// turn one message into two, each of those into two more on the next round, and so on while the
// job waits. So a re-send is claimed first: a conditional write moves the job's `resend_due_at`
// from the value this delivery read to when its new message falls due. Of copies that read the
// same row, one wins and sends; the others ack. A copy that reads the row after a win finds the
// due time still ahead and acks without work: its successor is already on its way.
//
// Lease holders (a retry after a provider failure, a move to the next provider) set the due time
// in their state change instead, overriding any look-again a duplicate booked meanwhile.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { jobs } from "../db/schema";

/** Queues deliver a delayed message at or after its time; this absorbs clock skew between hosts. */
export const RESEND_EARLY_TOLERANCE_MS = 500;

/** The job's next message is due later than this delivery: this delivery is a stale copy. */
export function isStaleCopy(job: { resendDueAt: number | null }, now: number): boolean {
  return job.resendDueAt !== null && job.resendDueAt > now + RESEND_EARLY_TOLERANCE_MS;
}

export interface ResendClaim {
  jobId: string;
  /** `resend_due_at` as this delivery read it. */
  seen: number | null;
  /** When the new message falls due (epoch ms). */
  due: number;
}

async function compareAndSet(db: Db, jobId: string, from: number | null, to: number | null) {
  const current = from === null ? isNull(jobs.resendDueAt) : eq(jobs.resendDueAt, from);
  const result = await db
    .update(jobs)
    .set({ resendDueAt: to })
    .where(and(eq(jobs.id, jobId), current));
  return result.meta.changes === 1;
}

/**
 * Claims the job's next message, due `delaySeconds` after `now`, from the row as this delivery
 * read it. Null when another copy claimed it first: that copy sends it, this one acks.
 */
export async function claimNextMessage(
  db: Db,
  job: { id: string; resendDueAt: number | null },
  now: number,
  delaySeconds: number,
): Promise<ResendClaim | null> {
  const claim = { jobId: job.id, seen: job.resendDueAt, due: now + delaySeconds * 1000 };
  return (await compareAndSet(db, claim.jobId, claim.seen, claim.due)) ? claim : null;
}

/** The claimed message could not be sent: give the claim back so a redelivery is not taken for a copy. */
export async function undoResend(db: Db, claim: ResendClaim): Promise<void> {
  await compareAndSet(db, claim.jobId, claim.due, claim.seen);
}
