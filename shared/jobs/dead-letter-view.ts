// The one serializer of a dead letter for the API: the admin list shows it whole, and a replay's
// answer names each replayed job with a projection of the same view.
import type { DeadLetterRow } from "../db/queries/dead-letters";
import { isoTime, isoTimeOrNull } from "../time";

export function serializeDeadLetter(row: DeadLetterRow) {
  return {
    id: row.id,
    job_id: row.jobId,
    project_id: row.projectId,
    provider: row.provider,
    error: { code: row.errorCode, message: row.errorMessage },
    attempts: row.attempts,
    dead_lettered_at: isoTime(row.createdAt),
    replayed_at: isoTimeOrNull(row.replayedAt),
    replay_count: row.replayCount,
    message: row.message,
  };
}

/** What a replay reports of each job it put back (or would, on a dry run). */
export function replayedItem(row: DeadLetterRow) {
  const { id, job_id, project_id, provider, error, dead_lettered_at } = serializeDeadLetter(row);
  return { job_id, dead_letter_id: id, project_id, provider, error, dead_lettered_at };
}
export type ReplayedItem = ReturnType<typeof replayedItem>;
