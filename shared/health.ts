// GET /health, minus HTTP: each component's check with its latency, and the queue backlog. Meant
// to be polled, so it stays cheap and quick: every check runs at once under one time limit, the
// D1 check is the backlog query itself (one statement, at most BACKLOG_SCAN_ROWS rows read), the
// Durable Objects answer a read-only RPC on one fixed object each, the queues are not touched
// (sending would create work, and a Queues binding has no backlog or ping API), and the report is
// kept HEALTH_CACHE_MS per isolate, so polling faster costs nothing more.
import { sql } from "drizzle-orm";
import type { Db } from "./db/client";
import { jobs } from "./db/schema";

export interface Check {
  ok: boolean;
  latency_ms: number;
  error?: string;
}

export interface Backlog {
  /** Jobs `queued` among the newest BACKLOG_SCAN_ROWS jobs (a lower bound when `capped`). */
  queued: number;
  /** Age of the oldest of them, in seconds; null with none. */
  oldest_queued_age_seconds: number | null;
  /** How many of the newest jobs were looked at. */
  scanned_jobs: number;
  /** Every job scanned was queued: there may be more, and older ones. */
  capped: boolean;
}

export interface HealthReport {
  status: "ok" | "degraded";
  checked_at: string;
  checks: Record<string, Check>;
  /** From D1 (Queues has no backlog API); null when D1 does not answer. */
  backlog: Backlog | null;
}

export interface HealthDeps {
  db: Db;
  images: R2Bucket;
  queues: Record<string, Queue<unknown> | undefined>;
  /** Each Durable Object namespace's probe: a read-only RPC on one object. */
  objects: Record<string, () => Promise<unknown>>;
  now: () => number;
  timeoutMs?: number;
}

/** The newest jobs the backlog looks at: a bounded read whatever the table's size. */
export const BACKLOG_SCAN_ROWS = 1000;
/** A check that has not answered by then is failed: /health never hangs on a dependency. */
export const CHECK_TIMEOUT_MS = 2000;
/** How long an isolate answers with the report it made last, when every check passed. */
export const HEALTH_CACHE_MS = 10_000;
/** A degraded report is kept only this long: a recovery (or a start-up) shows at the next poll. */
export const DEGRADED_CACHE_MS = 1_000;
/** The name of the one object per namespace that health probes reach. */
export const HEALTH_OBJECT_NAME = "health";

async function timed<T>(fn: () => Promise<T>, timeoutMs: number): Promise<Check & { value?: T }> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const value = await Promise.race([fn(), late]);
    return { ok: true, latency_ms: Math.round(performance.now() - started), value };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, latency_ms: Math.round(performance.now() - started), error: message };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * The backlog, in one statement over the newest jobs by rowid (insertion order): the jobs table's
 * only index starts with the instance, and an index on status would be written at every state
 * change of every job, so a global count of queued jobs is bounded instead.
 */
async function readBacklog(db: Db, now: number): Promise<Backlog> {
  const newest = sql`SELECT ${jobs.status} AS status, ${jobs.createdAt} AS created_at FROM ${jobs} ORDER BY rowid DESC LIMIT ${BACKLOG_SCAN_ROWS}`;
  const row = await db.get<{ scanned: number; queued: number | null; oldest: number | null }>(
    sql`SELECT count(*) AS scanned, sum(status = 'queued') AS queued, min(CASE WHEN status = 'queued' THEN created_at END) AS oldest FROM (${newest})`,
  );
  const queued = row?.queued ?? 0;
  const scanned = row?.scanned ?? 0;
  const oldest = row?.oldest ?? null;
  return {
    queued,
    oldest_queued_age_seconds: oldest === null ? null : Math.max(0, Math.round((now - oldest) / 1000)),
    scanned_jobs: scanned,
    capped: scanned === BACKLOG_SCAN_ROWS && queued === scanned,
  };
}

function strip<T>({ value: _, ...check }: Check & { value?: T }): Check {
  return check;
}

export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const timeoutMs = deps.timeoutMs ?? CHECK_TIMEOUT_MS;
  const now = deps.now();
  const queueCheck = (queue: Queue<unknown> | undefined) => async () => {
    if (typeof queue?.send !== "function") throw new Error("queue binding missing");
  };
  const [d1, r2, ...rest] = await Promise.all([
    timed(() => readBacklog(deps.db, now), timeoutMs),
    timed(() => deps.images.head("health-check"), timeoutMs),
    ...Object.values(deps.queues).map((q) => timed(queueCheck(q), timeoutMs)),
    ...Object.values(deps.objects).map((probe) => timed(probe, timeoutMs)),
  ]);
  const names = [...Object.keys(deps.queues), ...Object.keys(deps.objects)];
  const checks: Record<string, Check> = { d1: strip(d1!), r2: strip(r2!) };
  names.forEach((name, i) => {
    checks[name] = strip(rest[i]!);
  });
  return {
    status: Object.values(checks).every((c) => c.ok) ? "ok" : "degraded",
    checked_at: new Date(now).toISOString(),
    checks,
    backlog: (d1?.value as Backlog | undefined) ?? null,
  };
}

/** The report an isolate keeps between polls. */
export class HealthCache {
  private last: { at: number; report: Promise<HealthReport>; ok: boolean | null } | null = null;

  constructor(
    private readonly ttlMs = HEALTH_CACHE_MS,
    private readonly degradedTtlMs = DEGRADED_CACHE_MS,
  ) {}

  /** The kept report while it is fresh (concurrent polls share one check), else a new one. */
  get(now: number, check: () => Promise<HealthReport>): Promise<HealthReport> {
    const last = this.last;
    // A check still running (ok: null) is shared like an ok one.
    if (last && now - last.at < (last.ok === false ? this.degradedTtlMs : this.ttlMs)) return last.report;
    const entry = { at: now, report: check(), ok: null as boolean | null };
    entry.report.then(
      (r) => {
        entry.ok = r.status === "ok";
      },
      () => {
        entry.ok = false;
      },
    );
    this.last = entry;
    return entry.report;
  }
}
