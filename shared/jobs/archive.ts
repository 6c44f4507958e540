// The cron's archive step: ended jobs older than their instance's `archive_after_days` move to R2
// and leave a tombstone row. Per object, a group of up to ARCHIVE_JOBS_PER_OBJECT jobs of one
// instance: each job's line holds its whole row (input, events, result) and its webhook events and
// dead letters, which leave D1 with it (docs/archiving.md). The tombstone keeps ids, status, type,
// provider, attempts, cost, error code, images, times and where its line is (archive_key, offset,
// length), so GET /v1/jobs/{id} and /events answer from one ranged R2 read (archive-read.ts), and
// retention and DELETE still find the images.
//
// Order: R2 first, then ONE D1 batch (tombstones, then the rows that went with them, only for the
// jobs whose tombstone applied). A run that dies between the two leaves a stray object that no row
// points to; the jobs are still whole in D1 and a later run archives them again. A job that changed
// between the read and the batch (version or updated_at moved: a replay, a DELETE) is skipped, and
// its line in the object is overwritten in place by a void line of the same length.
import { and, eq, getTableColumns, inArray, isNull, lt, notExists, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { JobRow } from "../db/queries/jobs";
import { deadLetters, instances, jobs, webhookEvents } from "../db/schema";
import { randomToken } from "../ids";
import { archiveObjectKey, concatMembers, gzipLine, lineBytes, padMember } from "./archive-format";
import { terminalStatuses } from "./enums";
import { log } from "../observability/log";

export const DEFAULT_ARCHIVE_AFTER_DAYS = 30;
export const MIN_ARCHIVE_AFTER_DAYS = 1;
export const MAX_ARCHIVE_AFTER_DAYS = 3650;
/** Jobs a run looks at, at most: 10 groups, each a D1 read, a D1 batch read, 1 R2 put, 1 D1 batch write. */
export const ARCHIVE_JOBS_PER_RUN = 1000;
/** Jobs per R2 object (and per read): one put per 100 jobs keeps R2's per-operation price negligible. */
export const ARCHIVE_JOBS_PER_OBJECT = 100;
/** Wall time after which a run starts no further group (a cron invocation has minutes; leave most). */
export const ARCHIVE_TIME_BUDGET_MS = 20_000;

const DAY_MS = 86_400_000;

export type ArchiveBucket = Pick<R2Bucket, "put" | "delete">;

export interface ArchiveDeps {
  db: Db;
  bucket: ArchiveBucket;
  /** The clock that decides ages (injected by tests). */
  now: number;
  limit?: number;
  perObject?: number;
  /** Real elapsed time bounds the run: `clock` (default Date.now) against `timeBudgetMs`. */
  clock?: () => number;
  timeBudgetMs?: number;
}

/** What one run did: logged as one line and returned in the housekeeping report. */
export interface ArchiveResult {
  /** Jobs that became tombstones. */
  jobs: number;
  /** R2 objects written (a group whose jobs all changed meanwhile leaves none). */
  objects: number;
  /** Compressed bytes of those objects, and the JSON lines' size before compression. */
  bytes: number;
  rawBytes: number;
  /** Rows that left D1 with their jobs. */
  webhookEvents: number;
  deadLetters: number;
  /** Jobs read but left live: they changed between the read and the tombstone write. */
  skipped: number;
  /** Groups that failed (R2 or D1 down): the run stops at the first; the next run retries. */
  failed: number;
}

/**
 * Up to `limit` ended jobs past their instance's age, whole rows: one statement over the
 * (instance_id, created_at) index below each instance's cutoff. `updated_at` below the cutoff too
 * (nothing happened to the job since), and no webhook event still being delivered. The walk reads
 * the tombstones of earlier runs in that range and skips them (docs/archiving.md on the read cost).
 */
export async function findJobsDueForArchive(db: Db, now: number, limit: number): Promise<JobRow[]> {
  const cutoff = sql`${now} - ${instances.archiveAfterDays} * ${DAY_MS}`;
  const pendingWebhook = db
    .select({ one: sql`1` })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.jobId, jobs.id), eq(webhookEvents.status, "pending")));
  return db
    .select(getTableColumns(jobs))
    .from(instances)
    .innerJoin(jobs, and(eq(jobs.instanceId, instances.id), lt(jobs.createdAt, cutoff)))
    .where(
      and(
        inArray(jobs.status, [...terminalStatuses]),
        isNull(jobs.archivedAt),
        lt(jobs.updatedAt, cutoff),
        notExists(pendingWebhook),
      ),
    )
    .limit(limit)
    .all();
}

/** `ids` as one bound parameter (a JSON array): D1 binds at most 100 per statement. */
const idList = (ids: readonly string[]) => sql`(select value from json_each(${JSON.stringify(ids)}))`;

interface GroupResult {
  archived: number;
  bytes: number;
  rawBytes: number;
  webhookEvents: number;
  deadLetters: number;
}

/** One R2 object for these jobs (all of one instance), then their tombstones in one batch. */
async function archiveGroup(deps: ArchiveDeps, instanceId: string, rows: JobRow[]): Promise<GroupResult> {
  const { db, bucket, now } = deps;
  const ids = rows.map((row) => row.id);
  const [hooks, letters] = await db.batch([
    db
      .select()
      .from(webhookEvents)
      .where(sql`${webhookEvents.jobId} in ${idList(ids)}`),
    db
      .select()
      .from(deadLetters)
      .where(sql`${deadLetters.jobId} in ${idList(ids)}`),
  ]);
  const lines = rows.map((job) => ({
    v: 1 as const,
    job,
    webhook_events: hooks.filter((h) => h.jobId === job.id),
    dead_letters: letters.filter((d) => d.jobId === job.id),
  }));
  const members = await Promise.all(lines.map(gzipLine));
  const { body, ranges } = concatMembers(members);
  const key = archiveObjectKey(instanceId, now, randomToken(16));
  const httpMetadata = { contentType: "application/gzip" };
  const customMetadata = { instance_id: instanceId, jobs: String(rows.length) };
  await bucket.put(key, body, { httpMetadata, customMetadata });

  // Each job's own range and the version it was read at, in one parameter.
  const refs = JSON.stringify(
    rows.map((row, i) => ({ id: row.id, version: row.version, updated_at: row.updatedAt, ...ranges[i] })),
  );
  const ref = (field: string) => sql.raw(`a.value ->> '${field}'`);
  const ours = (jobId: typeof webhookEvents.jobId | typeof deadLetters.jobId) =>
    sql`exists (select 1 from ${jobs} where ${jobs.id} = ${jobId} and ${jobs.archiveKey} = ${key})`;
  const [tombstones, hooksGone, lettersGone] = await db.batch([
    db
      .update(jobs)
      .set({
        archivedAt: now,
        archiveKey: key,
        archiveOffset: sql`${ref("offset")}`,
        archiveLength: sql`${ref("length")}`,
        // The tombstone keeps what says what happened, not the content (the line has it all).
        input: sql`'{}'`,
        events: sql`'[]'`,
        metadata: null,
        fallbackProviders: null,
        webhookUrl: null,
        webhookEvents: null,
        revisedPrompt: null,
        errorMessage: null,
        leaseToken: null,
      })
      .from(sql`json_each(${refs}) as a`)
      .where(
        and(
          eq(jobs.id, sql`${ref("id")}`),
          eq(jobs.version, sql`${ref("version")}`),
          eq(jobs.updatedAt, sql`${ref("updated_at")}`),
          isNull(jobs.archivedAt),
        ),
      )
      .returning({ id: jobs.id }),
    db
      .delete(webhookEvents)
      .where(and(sql`${webhookEvents.jobId} in ${idList(ids)}`, ours(webhookEvents.jobId)))
      .returning({ id: webhookEvents.id }),
    db
      .delete(deadLetters)
      .where(and(sql`${deadLetters.jobId} in ${idList(ids)}`, ours(deadLetters.jobId)))
      .returning({ id: deadLetters.id }),
  ]);

  const applied = new Set(tombstones.map((t) => t.id));
  if (applied.size === 0) await bucket.delete(key);
  else if (applied.size < rows.length) await voidLines(bucket, key, members, rows, applied, httpMetadata);
  return {
    archived: applied.size,
    bytes: applied.size === 0 ? 0 : body.length,
    rawBytes: lines.reduce((sum, line) => sum + lineBytes(line), 0),
    webhookEvents: hooksGone.length,
    deadLetters: lettersGone.length,
  };
}

/**
 * The lines of jobs that stayed live are overwritten with a void line padded to the same length
 * (the others' offsets hold): the object keeps no second copy of a job that may later be deleted.
 */
async function voidLines(
  bucket: ArchiveBucket,
  key: string,
  members: Uint8Array<ArrayBuffer>[],
  rows: JobRow[],
  applied: Set<string>,
  httpMetadata: R2HTTPMetadata,
): Promise<void> {
  const empty = await gzipLine({ v: 1, void: true });
  const kept = members.map((member, i) => {
    if (applied.has(rows[i]!.id)) return member;
    return padMember(empty, member.length) ?? member;
  });
  await bucket.put(key, concatMembers(kept).body, { httpMetadata });
}

/** Archives what is due, a group at a time, until `limit` jobs were looked at or time runs out. */
export async function archiveDueJobs(deps: ArchiveDeps): Promise<ArchiveResult> {
  const limit = deps.limit ?? ARCHIVE_JOBS_PER_RUN;
  const perObject = Math.min(deps.perObject ?? ARCHIVE_JOBS_PER_OBJECT, ARCHIVE_JOBS_PER_OBJECT);
  const clock = deps.clock ?? Date.now;
  const stopAt = clock() + (deps.timeBudgetMs ?? ARCHIVE_TIME_BUDGET_MS);
  const result: ArchiveResult = {
    jobs: 0,
    objects: 0,
    bytes: 0,
    rawBytes: 0,
    webhookEvents: 0,
    deadLetters: 0,
    skipped: 0,
    failed: 0,
  };
  let seen = 0;
  while (seen < limit && clock() < stopAt) {
    const batchSize = Math.min(perObject, limit - seen);
    let due: JobRow[];
    try {
      due = await findJobsDueForArchive(deps.db, deps.now, batchSize);
    } catch (error) {
      return failed(result, error);
    }
    seen += due.length;
    const byInstance = new Map<string, JobRow[]>();
    for (const row of due) byInstance.set(row.instanceId, [...(byInstance.get(row.instanceId) ?? []), row]);
    for (const [instanceId, rows] of byInstance) {
      try {
        const group = await archiveGroup(deps, instanceId, rows);
        result.jobs += group.archived;
        result.objects += group.archived > 0 ? 1 : 0;
        result.bytes += group.bytes;
        result.rawBytes += group.archived > 0 ? group.rawBytes : 0;
        result.webhookEvents += group.webhookEvents;
        result.deadLetters += group.deadLetters;
        result.skipped += rows.length - group.archived;
      } catch (error) {
        return failed(result, error);
      }
    }
    // A short read means nothing more is due now.
    if (due.length < batchSize) break;
  }
  return result;
}

function failed(result: ArchiveResult, error: unknown): ArchiveResult {
  log("error", "archive step failed", { error: String(error) });
  return { ...result, failed: result.failed + 1 };
}
