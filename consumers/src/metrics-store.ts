// A TokenBucket's call metrics (shared/metrics/calls.ts) in its own SQLite storage: one row per
// minute that saw calls, kept for METRICS_RETENTION_MS. Calls are added in memory and written
// by `flush` (the object's alarm, at most every METRICS_FLUSH_MS while calls come in): a busy
// object writes a row per flush, not per call. Reads merge what is not written yet.
import {
  addStats,
  type CallReport,
  type CallStats,
  emptyStats,
  type MinuteStats,
  minuteOf,
  recordCall,
} from "../../shared/metrics/calls";
import { BIN_COUNT } from "../../shared/metrics/histogram";

/** A week's window and a day to spare. */
export const METRICS_RETENTION_MS = 8 * 24 * 60 * 60_000;
/** How long calls may stay in memory only (lost if the object is evicted or restarted meanwhile). */
export const METRICS_FLUSH_MS = 10_000;
const PRUNE_EVERY_MS = 60 * 60_000;

type MinuteRow = {
  minute: number;
  requests: number;
  provider_errors: number;
  rate_limited: number;
  succeeded: number;
  failed: number;
  spend_usd: number;
  /** The time-to-terminal histogram: BIN_COUNT little-endian uint32 counts. */
  terminal_ms: ArrayBuffer;
};

// INTEGER PRIMARY KEY is the rowid: a minute's row is one row written, with no index of its own.
const SCHEMA = `CREATE TABLE IF NOT EXISTS call_minutes (
  minute INTEGER PRIMARY KEY, requests INTEGER NOT NULL, provider_errors INTEGER NOT NULL,
  rate_limited INTEGER NOT NULL, succeeded INTEGER NOT NULL, failed INTEGER NOT NULL,
  spend_usd REAL NOT NULL, terminal_ms BLOB NOT NULL
)`;

export class MetricsStore {
  /** Calls not yet written, by minute. */
  private readonly pending = new Map<number, CallStats>();
  private hasTable: boolean | null = null;
  /** Expired rows are looked for at most hourly: a day's rows expire an hour at a time anyway. */
  private prunedAt = 0;

  constructor(private readonly storage: DurableObjectStorage) {}

  record(now: number, call: CallReport): void {
    const minute = minuteOf(now);
    const stats = this.pending.get(minute) ?? emptyStats();
    this.pending.set(minute, stats);
    recordCall(stats, call);
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Writes the pending minutes (one row each, added to what is stored) and drops expired rows (hourly). */
  flush(now: number): void {
    if (this.pending.size === 0) return;
    const sql = this.storage.sql;
    if (!this.tableExists()) {
      sql.exec(SCHEMA);
      this.hasTable = true;
    }
    for (const [minute, stats] of this.pending) {
      const [stored] = sql.exec<MinuteRow>("SELECT * FROM call_minutes WHERE minute = ?", minute).toArray();
      const sum = stored ? fromRow(stored) : { minute, ...emptyStats() };
      addStats(sum, stats);
      const values = [sum.requests, sum.providerErrors, sum.rateLimited, sum.succeeded, sum.failed];
      const histogram = new Uint32Array(sum.terminalMs).buffer;
      // An UPDATE, not a REPLACE: a replace deletes the row and inserts it again (two rows written).
      if (stored)
        sql.exec(
          `UPDATE call_minutes SET requests = ?, provider_errors = ?, rate_limited = ?, succeeded = ?,
           failed = ?, spend_usd = ?, terminal_ms = ? WHERE minute = ?`,
          ...values,
          sum.spendUsd,
          histogram,
          minute,
        );
      else
        sql.exec(
          "INSERT INTO call_minutes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          minute,
          ...values,
          sum.spendUsd,
          histogram,
        );
    }
    this.pending.clear();
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    sql.exec("DELETE FROM call_minutes WHERE minute < ?", now - METRICS_RETENTION_MS);
    this.prunedAt = now;
  }

  /** The minutes in [from, to) that saw calls, stored and pending merged. */
  read(from: number, to: number): MinuteStats[] {
    const byMinute = new Map<number, MinuteStats>();
    if (this.tableExists()) {
      const rows = this.storage.sql
        .exec<MinuteRow>("SELECT * FROM call_minutes WHERE minute >= ? AND minute < ?", from, to)
        .toArray();
      for (const row of rows) byMinute.set(row.minute, fromRow(row));
    }
    for (const [minute, stats] of this.pending) {
      if (minute < from || minute >= to) continue;
      const sum = byMinute.get(minute) ?? { minute, ...emptyStats() };
      addStats(sum, stats);
      byMinute.set(minute, sum);
    }
    return [...byMinute.values()];
  }

  /** When the newest stored minute expires (every row is gone after it), or null when none is stored. */
  expiresAt(): number | null {
    if (!this.tableExists()) return null;
    const [row] = this.storage.sql
      .exec<{ newest: number | null }>("SELECT MAX(minute) AS newest FROM call_minutes")
      .toArray();
    return row?.newest == null ? null : row.newest + METRICS_RETENTION_MS;
  }

  /** Forget the table (after the object's storage was deleted whole). */
  forget(): void {
    this.pending.clear();
    this.hasTable = false;
  }

  private tableExists(): boolean {
    this.hasTable ??=
      this.storage.sql
        .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'call_minutes'")
        .toArray().length > 0;
    return this.hasTable;
  }
}

function fromRow(r: MinuteRow): MinuteStats {
  const counts = Array.from(new Uint32Array(r.terminal_ms));
  return {
    minute: r.minute,
    requests: r.requests,
    providerErrors: r.provider_errors,
    rateLimited: r.rate_limited,
    succeeded: r.succeeded,
    failed: r.failed,
    spendUsd: r.spend_usd,
    terminalMs:
      counts.length === BIN_COUNT ? counts : [...counts, ...new Array(BIN_COUNT).fill(0)].slice(0, BIN_COUNT),
  };
}
