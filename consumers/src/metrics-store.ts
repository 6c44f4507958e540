// A TokenBucket's call metrics (shared/metrics/calls.ts) in its own SQLite storage: one row per
// minute that saw calls (kept a day, for the hour and day windows) and one per hour (kept eight
// days, for the week). Calls are added in memory and written by `flush` (the object's alarm, at
// most every METRICS_FLUSH_MS while calls come in): a busy object writes a minute row and an hour
// row per flush, not a row per call. Reads merge what is not written yet, and read the coarsest
// rows that fit the buckets asked for (a week is 168 hour rows, not 10,080 minute rows).
import {
  addStats,
  bucketize,
  type CallReport,
  type CallStats,
  emptyStats,
  minuteOf,
  recordCall,
} from "../../shared/metrics/calls";
import { addHistogram } from "../../shared/metrics/histogram";
import { type BucketRange, bucketIndex, MINUTE_MS } from "../../shared/metrics/window";

const HOUR_MS = 60 * MINUTE_MS;
/** How long calls may stay in memory only (lost if the object is evicted or restarted meanwhile). */
export const METRICS_FLUSH_MS = 10_000;
/** Expired rows are looked for at most hourly: they expire an hour at a time anyway. */
const PRUNE_EVERY_MS = HOUR_MS;

/** The two row sizes: minute rows serve buckets of whole minutes, hour rows of whole hours. */
const SPANS = [
  { table: "call_minutes", ms: MINUTE_MS, keepMs: 25 * HOUR_MS },
  { table: "call_hours", ms: HOUR_MS, keepMs: 8 * 24 * HOUR_MS },
] as const;
type Span = (typeof SPANS)[number];
/** The longest any row is kept: a week's window and a day to spare. */
export const METRICS_RETENTION_MS = SPANS[1].keepMs;

type StatsRow = {
  start: number;
  requests: number;
  provider_errors: number;
  rate_limited: number;
  succeeded: number;
  failed: number;
  spend_usd: number;
  /** The time-to-terminal histogram: BIN_COUNT little-endian uint32 counts. */
  terminal_ms: ArrayBuffer;
};

// INTEGER PRIMARY KEY is the rowid: a row is one row written, with no index of its own.
const schema = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  start INTEGER PRIMARY KEY, requests INTEGER NOT NULL, provider_errors INTEGER NOT NULL,
  rate_limited INTEGER NOT NULL, succeeded INTEGER NOT NULL, failed INTEGER NOT NULL,
  spend_usd REAL NOT NULL, terminal_ms BLOB NOT NULL
);`;

export class MetricsStore {
  /** Calls not yet written, by minute. */
  private readonly pending = new Map<number, CallStats>();
  private hasTables: boolean | null = null;
  private prunedAt = 0;

  constructor(private readonly storage: DurableObjectStorage) {}

  record(now: number, call: CallReport): void {
    const minute = minuteOf(now);
    const stats = this.pending.get(minute) ?? emptyStats();
    this.pending.set(minute, stats);
    recordCall(stats, call);
  }

  /** Writes the pending calls (added to the stored minute and hour rows) and drops expired rows (hourly). */
  flush(now: number): void {
    if (this.pending.size === 0) return;
    if (!this.tablesExist()) {
      this.storage.sql.exec(SPANS.map((s) => schema(s.table)).join("\n"));
      this.hasTables = true;
    }
    for (const span of SPANS) {
      const byStart = new Map<number, CallStats>();
      for (const [minute, stats] of this.pending) {
        const start = Math.floor(minute / span.ms) * span.ms;
        const sum = byStart.get(start) ?? emptyStats();
        addStats(sum, stats);
        byStart.set(start, sum);
      }
      for (const [start, stats] of byStart) this.addToRow(span, start, stats);
    }
    this.pending.clear();
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    for (const span of SPANS)
      this.storage.sql.exec(`DELETE FROM ${span.table} WHERE start < ?`, now - span.keepMs);
    this.prunedAt = now;
  }

  /**
   * The range's buckets, zero-filled: the pending calls, plus the stored rows of the coarsest span
   * that divides the buckets, summed straight into them (no object per row).
   */
  buckets(range: BucketRange): CallStats[] {
    const pending = [...this.pending].map(([minute, stats]) => ({ minute, ...stats }));
    const out = bucketize(pending, range);
    if (!this.tablesExist()) return out;
    const span = range.bucketMs % HOUR_MS === 0 && range.from % HOUR_MS === 0 ? SPANS[1] : SPANS[0];
    const rows = this.storage.sql.exec<StatsRow>(
      `SELECT * FROM ${span.table} WHERE start >= ? AND start < ?`,
      range.from,
      range.to,
    );
    for (const row of rows) {
      const sum = out[bucketIndex(range, row.start)];
      if (sum) addStats(sum, fromRow(row));
    }
    return out;
  }

  /** When the newest stored row expires (every row is gone after it), or null when none is stored. */
  expiresAt(): number | null {
    if (!this.tablesExist()) return null;
    const [row] = this.storage.sql
      .exec<{ newest: number | null }>(`SELECT MAX(start) AS newest FROM ${SPANS[1].table}`)
      .toArray();
    return row?.newest == null ? null : row.newest + SPANS[1].keepMs;
  }

  /** Forget the tables (after the object's storage was deleted whole). */
  forget(): void {
    this.pending.clear();
    this.hasTables = false;
  }

  /** Adds `stats` to the row of `span` starting at `start`: one row written, a read before it. */
  private addToRow(span: Span, start: number, stats: CallStats): void {
    const sql = this.storage.sql;
    const [stored] = sql.exec<StatsRow>(`SELECT * FROM ${span.table} WHERE start = ?`, start).toArray();
    const sum = stored ? fromRow(stored) : emptyStats();
    addStats(sum, stats);
    const values = [
      sum.requests,
      sum.providerErrors,
      sum.rateLimited,
      sum.succeeded,
      sum.failed,
      sum.spendUsd,
    ];
    const histogram = new Uint32Array(sum.terminalMs).buffer;
    // An UPDATE, not a REPLACE: a replace deletes the row and inserts it again (two rows written).
    if (stored)
      sql.exec(
        `UPDATE ${span.table} SET requests = ?, provider_errors = ?, rate_limited = ?, succeeded = ?,
         failed = ?, spend_usd = ?, terminal_ms = ? WHERE start = ?`,
        ...values,
        histogram,
        start,
      );
    else sql.exec(`INSERT INTO ${span.table} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, start, ...values, histogram);
  }

  private tablesExist(): boolean {
    this.hasTables ??=
      this.storage.sql
        .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", SPANS[1].table)
        .toArray().length > 0;
    return this.hasTables;
  }
}

function fromRow(r: StatsRow): CallStats {
  const sum = emptyStats();
  addStats(sum, {
    requests: r.requests,
    providerErrors: r.provider_errors,
    rateLimited: r.rate_limited,
    succeeded: r.succeeded,
    failed: r.failed,
    spendUsd: r.spend_usd,
    terminalMs: [],
  });
  addHistogram(sum.terminalMs, new Uint32Array(r.terminal_ms));
  return sum;
}
