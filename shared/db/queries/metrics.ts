// The two figures of GET /v1/admin/metrics that come from D1, each one bounded index range: no
// query here reads more rows than its bound, whatever the size of the tables (docs/metrics.md).
import { and, count, desc, eq, gte, lt, sql } from "drizzle-orm";
import type { BucketRange } from "../../metrics/window";
import type { Db } from "../client";
import { deadLetters, jobs } from "../schema";

/**
 * Dead letters recorded in each bucket of the range, zero-filled. Reads the
 * dead_letters (instance_id, created_at) index over the range only: one index entry per dead
 * letter of the window, no table rows.
 */
export async function deadLettersPerBucket(
  db: Db,
  instanceId: string,
  range: BucketRange,
): Promise<number[]> {
  // D1 binds JS numbers as REAL: the cast makes the bucket number whole again.
  const bucket = sql<number>`CAST((${deadLetters.createdAt} - ${range.from}) / ${range.bucketMs} AS INTEGER)`;
  const rows = await db
    .select({ bucket, n: count() })
    .from(deadLetters)
    .where(
      and(
        eq(deadLetters.instanceId, instanceId),
        gte(deadLetters.createdAt, range.from),
        lt(deadLetters.createdAt, range.to),
      ),
    )
    .groupBy(bucket)
    .all();
  const out = new Array<number>(range.count).fill(0);
  for (const r of rows)
    if (r.bucket >= 0 && r.bucket < range.count) out[r.bucket] = (out[r.bucket] ?? 0) + r.n;
  return out;
}

/** How many of an instance's newest jobs the backlog count looks at, at most. */
export const BACKLOG_SCAN_LIMIT = 1000;

/**
 * Jobs still `queued` among the instance's newest BACKLOG_SCAN_LIMIT jobs: a walk down the
 * jobs (instance_id, created_at, id) index, newest first, that stops after that many. A backlog
 * is its newest jobs (they are taken oldest first), so this misses only queued jobs older than
 * the newest thousand.
 */
export async function queuedAmongNewest(db: Db, instanceId: string): Promise<number> {
  const newest = db
    .select({ status: jobs.status })
    .from(jobs)
    .where(eq(jobs.instanceId, instanceId))
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(BACKLOG_SCAN_LIMIT)
    .as("newest");
  const row = await db.select({ n: count() }).from(newest).where(eq(newest.status, "queued")).get();
  return row?.n ?? 0;
}
