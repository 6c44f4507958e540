// DELETE of an archived job: its content must leave the archive too, not only the tombstone. The
// job's gzip member is replaced in place by a member of the same length (padded, archive-format.ts)
// holding the line as DELETE leaves a live job: no input, metadata, webhook URL, revised prompt or
// error message, no webhook events or dead letters; status, result sizes and history stay. The
// other members keep their offsets, so no other tombstone changes. The object is rewritten only if
// nobody rewrote it meanwhile (R2's etag condition), else read again: two DELETEs of jobs in one
// object cannot undo each other.
import type { JobRow } from "../db/queries/jobs";
import { ApiError } from "../errors";
import { type ArchivedJobLine, gunzipText, gzipLine, padMember } from "./archive-format";
import { log } from "../observability/log";

export type ArchiveRewriteBucket = Pick<R2Bucket, "get" | "put">;

const ATTEMPTS = 3;

/** The line as a DELETE leaves a job (the same fields jobs/delete.ts clears on a live row). */
export function redactedLine(line: ArchivedJobLine): ArchivedJobLine {
  return {
    v: 1,
    job: {
      ...line.job,
      input: {} as JobRow["input"],
      metadata: null,
      webhookUrl: null,
      webhookEvents: null,
      revisedPrompt: null,
      errorMessage: null,
    },
    webhook_events: [],
    dead_letters: [],
  };
}

/** Removes an archived job's content from its archive object; throws 503 when R2 fails. */
export async function redactArchivedJob(bucket: ArchiveRewriteBucket, tombstone: JobRow): Promise<void> {
  try {
    await rewrite(bucket, tombstone);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    log("error", "archive line not redacted", { job_id: tombstone.id, error: String(error) });
    throw new ApiError(
      "service_unavailable",
      `Job ${tombstone.id}'s archive could not be rewritten; nothing was deleted, try again`,
    );
  }
}

async function rewrite(bucket: ArchiveRewriteBucket, tombstone: JobRow): Promise<void> {
  const { archiveKey: key, archiveOffset: offset, archiveLength: length } = tombstone;
  if (key === null || offset === null || length === null) return;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const object = await bucket.get(key);
    if (!object) throw new ApiError("service_unavailable", `Job ${tombstone.id}'s archive could not be read`);
    const body = new Uint8Array(await object.arrayBuffer());
    const line = JSON.parse(await gunzipText(body.slice(offset, offset + length))) as
      | ArchivedJobLine
      | { void: true };
    // Already redacted (a repeated DELETE) or not this job's line: nothing to rewrite.
    if ("void" in line || line.job.id !== tombstone.id || Object.keys(line.job.input).length === 0) return;
    const member =
      padMember(await gzipLine(redactedLine(line)), length) ??
      padMember(await gzipLine({ v: 1, void: true }), length);
    if (!member)
      throw new Error(`archive line of job ${tombstone.id} cannot be rewritten in ${length} bytes`);
    body.set(member, offset);
    const written = await bucket.put(key, body, {
      httpMetadata: object.httpMetadata,
      customMetadata: object.customMetadata,
      onlyIf: { etagMatches: object.etag },
    });
    if (written) return;
  }
  throw new ApiError("service_unavailable", `Job ${tombstone.id}'s archive is busy; try the DELETE again`);
}
