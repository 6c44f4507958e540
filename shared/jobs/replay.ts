// Replaying dead letters: each selected job gets a fresh attempt budget and a fresh queue message.
//
// Order per job: SEND the message first (with a short delay), THEN transition
// dead_lettered -> queued. A job therefore never becomes `queued` unless its message exists:
// - the send fails: nothing changed, the job stays dead_lettered and is reported in `failed`;
// - the Worker dies, or D1 fails, between send and transition: the job stays dead_lettered and
//   the consumer acks the message as a no-op (it skips jobs in a terminal status);
// - the transition does not apply (someone replayed or changed the job meanwhile): the job is
//   reported skipped; the extra message is a duplicate delivery, which the consumer tolerates.
// The delay keeps the consumer from reading the job before the transition below has committed
// (it would see dead_lettered and drop the message). The other order (transition, then send,
// then undo on a failed send) leaves a queued job with no message if the Worker dies in between.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { log } from "../observability/log";
import type { Caller } from "../db/queries/api-keys";
import {
  type DeadLetterFilter,
  type DeadLetterScope,
  findReplayCandidatesByFilter,
  findReplayCandidatesByIds,
  type ReplayCandidate,
} from "../db/queries/dead-letters";
import { deadLetters, jobs } from "../db/schema";
import { type JobMessage, jobMessage } from "./message";
import { transition } from "./transitions";
import { type ReplayedItem, replayedItem, serializeDeadLetter } from "./dead-letter-view";
import { auditInsertWhen } from "../tenancy/audit-when";
import { isoTime } from "../time";

/** Seconds the replayed message waits in the queue: time for the transition to commit first. */
export const REPLAY_DELAY_SECONDS = 5;

export type ReplaySelection = { ids: readonly string[] } | { filter: DeadLetterFilter; limit: number };

export type ReplaySkipReason =
  /** No dead letter of this instance has that id or job id. */
  | "not_found"
  /** The job is no longer dead_lettered (already replayed, or changed since). */
  | "not_dead_lettered"
  /** The client asked to cancel the job before it was dead-lettered: it is not run again. */
  | "cancel_requested"
  /** Another id of the same request already names this job. */
  | "duplicate";

export interface ReplayOutcome {
  dry_run: boolean;
  replayed: ReplayedItem[];
  skipped: { id: string; reason: ReplaySkipReason }[];
  failed: { job_id: string; error: string }[];
}

export interface ReplayDeps {
  db: Db;
  queue: Queue<JobMessage>;
  now: () => number;
  /** The admin request's id: carried in the fresh message and the `replayed` event. */
  requestId: string;
  /** The admin key that asked for the replay (recorded in the event). */
  replayedBy: string;
  /** Who asked, for the audit record of each replayed job. */
  caller: Caller;
}

function itemOf(candidate: ReplayCandidate): ReplayedItem {
  return replayedItem(candidate.deadLetter);
}

/** Splits the selection into what to replay and what to skip (and why). Reads only. */
async function select(
  db: Db,
  scope: DeadLetterScope,
  selection: ReplaySelection,
): Promise<{ candidates: ReplayCandidate[]; skipped: ReplayOutcome["skipped"] }> {
  const candidates: ReplayCandidate[] = [];
  const skipped: ReplayOutcome["skipped"] = [];
  const take = (id: string, candidate: ReplayCandidate) => {
    if (candidate.jobStatus !== "dead_lettered") skipped.push({ id, reason: "not_dead_lettered" });
    else if (candidate.cancelRequestedAt !== null) skipped.push({ id, reason: "cancel_requested" });
    else candidates.push(candidate);
  };

  if ("filter" in selection) {
    const found = await findReplayCandidatesByFilter(db, scope, selection.filter, selection.limit);
    for (const candidate of found) take(candidate.deadLetter.jobId, candidate);
    return { candidates, skipped };
  }

  const { jobOf, byJob } = await findReplayCandidatesByIds(db, scope, selection.ids);
  const seen = new Set<string>();
  for (const id of selection.ids) {
    const jobId = jobOf.get(id);
    const candidate = jobId ? byJob.get(jobId) : undefined;
    if (!jobId || !candidate) skipped.push({ id, reason: "not_found" });
    else if (seen.has(jobId)) skipped.push({ id, reason: "duplicate" });
    else {
      seen.add(jobId);
      take(id, candidate);
    }
  }
  return { candidates, skipped };
}

/** The audit entry of one replayed job: the dead letter as the API shows it, before and after. */
function replayAudit(caller: Caller, candidate: ReplayCandidate, now: number) {
  const before = serializeDeadLetter(candidate.deadLetter);
  return {
    organizationId: caller.organizationId,
    action: "dead_letter.replay",
    resourceType: "dead_letter",
    resourceId: before.id,
    before,
    after: { ...before, replayed_at: isoTime(now), replay_count: before.replay_count + 1 },
  };
}

/** Sends the fresh message, then moves the job dead_lettered -> queued (see the file comment). */
async function replayOne(deps: ReplayDeps, candidate: ReplayCandidate): Promise<"replayed" | "moved"> {
  const dl = candidate.deadLetter;
  await deps.queue.send(
    jobMessage(
      { job_id: dl.jobId, instance_id: dl.instanceId, project_id: dl.projectId, request_id: deps.requestId },
      0,
    ),
    { contentType: "json", delaySeconds: REPLAY_DELAY_SECONDS },
  );
  const now = deps.now();
  const result = await transition(deps.db, {
    jobId: dl.jobId,
    event: "replayed",
    set: {
      attempts: 0,
      errorCode: null,
      errorMessage: null,
      completedAt: null,
      leaseToken: null,
      leaseExpiresAt: null,
      resendDueAt: null,
    },
    data: { dead_letter_id: dl.id, replayed_by: deps.replayedBy, request_id: deps.requestId },
    // Marks the dead letter and records the replay in the same batch, only if the job's change
    // above was ours.
    extra: (token) => [
      auditInsertWhen(
        { db: deps.db, caller: deps.caller, requestId: deps.requestId, now },
        replayAudit(deps.caller, candidate, now),
        sql`exists (select 1 from ${jobs} where ${jobs.id} = ${dl.jobId} and ${jobs.transitionToken} = ${token})`,
      ),
      deps.db
        .update(deadLetters)
        .set({ replayedAt: now, replayCount: sql`${deadLetters.replayCount} + 1` })
        .where(
          and(
            eq(deadLetters.id, dl.id),
            inArray(
              deadLetters.jobId,
              deps.db
                .select({ id: jobs.id })
                .from(jobs)
                .where(and(eq(jobs.id, dl.jobId), eq(jobs.transitionToken, token))),
            ),
          ),
        ),
    ],
    now,
  });
  return result.applied ? "replayed" : "moved";
}

export async function replayDeadLetters(
  deps: ReplayDeps,
  scope: DeadLetterScope,
  selection: ReplaySelection,
  dryRun: boolean,
): Promise<ReplayOutcome> {
  const { candidates, skipped } = await select(deps.db, scope, selection);
  const outcome: ReplayOutcome = { dry_run: dryRun, replayed: [], skipped, failed: [] };
  if (dryRun) {
    outcome.replayed = candidates.map(itemOf);
    return outcome;
  }
  // One job at a time: each one's outcome is independent, and a failure never stops the rest.
  for (const candidate of candidates) {
    const jobId = candidate.deadLetter.jobId;
    try {
      const result = await replayOne(deps, candidate);
      if (result === "replayed") outcome.replayed.push(itemOf(candidate));
      else outcome.skipped.push({ id: jobId, reason: "not_dead_lettered" });
    } catch (error) {
      log("error", "dead letter replay failed", {
        job_id: jobId,
        dead_letter_id: candidate.deadLetter.id,
        request_id: deps.requestId,
        error: String(error),
      });
      outcome.failed.push({ job_id: jobId, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcome;
}
