// Dead letters as operators see them: the history list (every row, replayed or not) and the
// selection for a replay (the newest dead letter of each job that is still `dead_lettered`).
// Every query is scoped to one instance (and to one project for a project-bound key).
import { and, desc, eq, gt, gte, inArray, notExists, or, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "../client";
import { deadLetters, jobs } from "../schema";
import { afterCursor, newestFirst, type PageCursor } from "../pages";

export type DeadLetterRow = typeof deadLetters.$inferSelect;

/** Who may see what: the key's instance, and its project when the key is bound to one. */
export interface DeadLetterScope {
  instanceId: string;
  projectId: string | null;
}

export interface DeadLetterFilter {
  /** Only dead letters recorded at or after this time (ms since the epoch). */
  since?: number;
  errorCode?: string;
  provider?: string;
  projectId?: string;
}

/** D1 binds at most 100 parameters per statement: id lists are queried in slices of this size. */
const ID_SLICE = 40;

function scopeConditions(scope: DeadLetterScope, filter: DeadLetterFilter): SQL[] {
  const conditions = [eq(deadLetters.instanceId, scope.instanceId)];
  if (scope.projectId) conditions.push(eq(deadLetters.projectId, scope.projectId));
  if (filter.projectId) conditions.push(eq(deadLetters.projectId, filter.projectId));
  if (filter.since !== undefined) conditions.push(gte(deadLetters.createdAt, filter.since));
  if (filter.errorCode) conditions.push(eq(deadLetters.errorCode, filter.errorCode));
  if (filter.provider) conditions.push(eq(deadLetters.provider, filter.provider));
  return conditions;
}

/** Every dead letter (replayed ones too), newest first, keyset-paginated on (created_at, id). */
export async function listDeadLetters(
  db: Db,
  scope: DeadLetterScope,
  opts: DeadLetterFilter & { limit: number; cursor?: PageCursor },
): Promise<DeadLetterRow[]> {
  return db
    .select()
    .from(deadLetters)
    .where(and(...scopeConditions(scope, opts), afterCursor(deadLetters, opts.cursor)))
    .orderBy(...newestFirst(deadLetters))
    .limit(opts.limit)
    .all();
}

/** A job's current dead letter joined with what a replay must know about the job. */
export interface ReplayCandidate {
  deadLetter: DeadLetterRow;
  jobStatus: (typeof jobs.$inferSelect)["status"];
  cancelRequestedAt: number | null;
}

const newer = alias(deadLetters, "newer");

/** True for the newest dead letter of its job (ties on created_at broken by id). */
function isCurrentDeadLetter(db: Db): SQL {
  return notExists(
    db
      .select({ id: newer.id })
      .from(newer)
      .where(
        and(
          eq(newer.jobId, deadLetters.jobId),
          or(
            gt(newer.createdAt, deadLetters.createdAt),
            and(eq(newer.createdAt, deadLetters.createdAt), gt(newer.id, deadLetters.id)),
          ),
        ),
      ),
  );
}

function candidateQuery(db: Db, where: SQL | undefined) {
  return db
    .select({
      deadLetter: deadLetters,
      jobStatus: jobs.status,
      cancelRequestedAt: jobs.cancelRequestedAt,
    })
    .from(deadLetters)
    .innerJoin(jobs, eq(jobs.id, deadLetters.jobId))
    .where(where)
    .orderBy(desc(deadLetters.createdAt), desc(deadLetters.id));
}

/**
 * Replay selection by filter: the current dead letter of each job still `dead_lettered` whose
 * dead letter matches the filter, newest first, at most `limit`.
 */
export async function findReplayCandidatesByFilter(
  db: Db,
  scope: DeadLetterScope,
  filter: DeadLetterFilter,
  limit: number,
): Promise<ReplayCandidate[]> {
  const where = and(
    ...scopeConditions(scope, filter),
    eq(jobs.status, "dead_lettered"),
    eq(jobs.instanceId, scope.instanceId),
    isCurrentDeadLetter(db),
  );
  return candidateQuery(db, where).limit(limit).all();
}

/**
 * Replay selection by ids (dead letter ids or job ids): the current dead letter of every job they
 * name, whatever the job's status (the caller reports the ones it skips). Keyed by job id, plus
 * the map from each given id to its job.
 */
export async function findReplayCandidatesByIds(
  db: Db,
  scope: DeadLetterScope,
  ids: readonly string[],
): Promise<{ jobOf: Map<string, string>; byJob: Map<string, ReplayCandidate> }> {
  const jobOf = new Map<string, string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += ID_SLICE) {
    const slice = unique.slice(i, i + ID_SLICE);
    const rows = await db
      .select({ id: deadLetters.id, jobId: deadLetters.jobId })
      .from(deadLetters)
      .where(
        and(
          ...scopeConditions(scope, {}),
          or(inArray(deadLetters.id, slice), inArray(deadLetters.jobId, slice)),
        ),
      )
      .all();
    for (const row of rows) {
      jobOf.set(row.id, row.jobId);
      jobOf.set(row.jobId, row.jobId);
    }
  }

  const byJob = new Map<string, ReplayCandidate>();
  const jobIds = [...new Set(jobOf.values())];
  for (let i = 0; i < jobIds.length; i += ID_SLICE * 2) {
    const slice = jobIds.slice(i, i + ID_SLICE * 2);
    const where = and(
      ...scopeConditions(scope, {}),
      eq(jobs.instanceId, scope.instanceId),
      inArray(deadLetters.jobId, slice),
      isCurrentDeadLetter(db),
    );
    for (const row of await candidateQuery(db, where).all()) byJob.set(row.deadLetter.jobId, row);
  }
  return { jobOf, byJob };
}
