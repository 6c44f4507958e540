// Reading a job that may be archived: the tombstone row says where its line is, one ranged R2 GET
// brings the line back, and the job is the archived row with what may have changed on the
// tombstone since (images removed by retention, a DELETE) laid over it. A job that is not archived
// costs nothing more than the row read it always had.
import type { Db } from "../db/client";
import { getJobForInstance, type JobRow, type JobScope } from "../db/queries/jobs";
import { ApiError } from "../errors";
import { type ArchivedJobLine, type ArchiveReader, readArchivedLine } from "./archive-format";
import { log } from "../observability/log";

/** An archived tombstone's line; null when the row is not archived; 503 when R2 cannot give it. */
export async function archivedLineOf(
  bucket: ArchiveReader,
  tombstone: JobRow,
): Promise<ArchivedJobLine | null> {
  const { archiveKey: key, archiveOffset: offset, archiveLength: length } = tombstone;
  if (key === null || offset === null || length === null) return null;
  try {
    return await readArchivedLine(bucket, { key, offset, length }, tombstone.id);
  } catch (error) {
    log("error", "archived job unreadable", { job_id: tombstone.id, error: String(error) });
    throw new ApiError(
      "service_unavailable",
      `Job ${tombstone.id} is archived and its archive could not be read; try again`,
    );
  }
}

/** The whole job behind an archived tombstone (throws 503 service_unavailable when R2 fails). */
export async function restoreArchivedJob(bucket: ArchiveReader, tombstone: JobRow): Promise<JobRow> {
  const line = await archivedLineOf(bucket, tombstone);
  if (!line) return tombstone;
  const archived = line.job;
  // The tombstone first: columns added after the line was written get the row's value, not undefined.
  // The archive columns stay as the line has them (null): this is the whole job, not a tombstone.
  const job: JobRow = {
    ...tombstone,
    ...archived,
    imagesRemovedAt: tombstone.imagesRemovedAt,
    deletedAt: tombstone.deletedAt,
    updatedAt: tombstone.updatedAt,
  };
  // Deleted after archiving: the same content is gone as from a live job's DELETE (jobs/delete.ts).
  if (tombstone.deletedAt === null) return job;
  return {
    ...job,
    input: tombstone.input,
    metadata: null,
    webhookUrl: null,
    webhookEvents: null,
    revisedPrompt: null,
    errorMessage: null,
  };
}

/** `getJobForInstance`, with an archived job read back whole from R2. */
export async function getJobWithArchive(
  db: Db,
  bucket: ArchiveReader,
  scope: string | JobScope,
  jobId: string,
): Promise<JobRow | null> {
  const row = await getJobForInstance(db, scope, jobId);
  if (!row || row.archiveKey === null) return row;
  return restoreArchivedJob(bucket, row);
}
