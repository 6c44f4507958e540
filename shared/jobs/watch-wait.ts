// `Prefer: wait=N` (RFC 7240) on GET /v1/jobs/{id}: the answer comes as soon as the job has ended,
// or after N seconds with the job as it is then. The request marks the job watched (watch.ts) and
// waits on the job's JobWatch object, which the job's changes wake; D1 is read again once at the end.
import type { Db } from "../db/client";
import type { JobRow, JobScope } from "../db/queries/jobs";
import type { ArchiveReader } from "./archive-format";
import { getJobWithArchive, restoreArchivedJob } from "./archive-read";
import { terminalStatuses } from "./enums";
import { eventsAfter, type JobWatchObject, jobWatchOf, WATCH_SLACK_MS, watchJob } from "./watch";

/** The most a request may wait, in seconds: a longer `wait` is served as this. */
export const MAX_WAIT_SECONDS = 60;

/**
 * The seconds a `Prefer` header asks to wait (capped at MAX_WAIT_SECONDS), or null when it asks
 * none. Other preferences, and a `wait` that is not a whole number, are ignored, as RFC 7240 says.
 */
export function preferredWait(header: string | undefined): number | null {
  for (const preference of header?.split(",") ?? []) {
    const [token] = preference.split(";");
    const match = /^\s*wait\s*=\s*"?(\d{1,9})"?\s*$/i.exec(token ?? "");
    if (match) {
      const seconds = Math.min(Number(match[1]), MAX_WAIT_SECONDS);
      return seconds > 0 ? seconds : null;
    }
  }
  return null;
}

export interface WaitDeps {
  db: Db;
  /** The JOB_WATCH binding. */
  watch: unknown;
  /** Where archived jobs are read back from (IMAGES). */
  bucket: ArchiveReader;
  now: () => number;
}

/** The job once it has ended or `seconds` have passed, whichever comes first; null: no such job. */
export async function waitForJob(
  deps: WaitDeps,
  scope: JobScope,
  jobId: string,
  seconds: number,
): Promise<JobRow | null> {
  const deadline = deps.now() + seconds * 1000;
  const marked = await watchJob(deps.db, scope, jobId, deadline + WATCH_SLACK_MS);
  if (!marked) return null;
  if (terminalStatuses.includes(marked.status)) return restoreArchivedJob(deps.bucket, marked);
  await untilEnded(jobWatchOf(deps.watch, jobId), marked, deadline, deps.now);
  return getJobWithArchive(deps.db, deps.bucket, scope, jobId);
}

/** Waits on the object until it reports a terminal event or the deadline passes. */
async function untilEnded(
  watch: Pick<JobWatchObject, "next">,
  from: Pick<JobRow, "version" | "status">,
  deadline: number,
  now: () => number,
): Promise<void> {
  let { version, status } = from;
  while (!terminalStatuses.includes(status)) {
    const left = deadline - now();
    if (left <= 0) return;
    const last = eventsAfter((await watch.next(version, left)).events, version).at(-1);
    if (last) ({ version, status } = last);
  }
}
