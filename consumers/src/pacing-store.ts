// How a TokenBucket object keeps its state in its own SQLite storage: one `pacing` row (limits,
// bucket, circuit) and one row per live in-flight lease. All of the object's SQL is here.
import type { BucketState } from "../../shared/pacing/bucket";
import type { CircuitStatus } from "../../shared/pacing/circuit";
import type { Lease } from "../../shared/pacing/in-flight";
import type { Pacing } from "./pacing-types";

type PacingRow = {
  rate_per_second: number;
  burst: number;
  max_in_flight: number;
  lease_ttl_ms: number;
  failure_threshold: number;
  cooldown_ms: number;
  tokens: number;
  updated_at: number;
  circuit_status: CircuitStatus;
  failures: number;
  opened_at: number | null;
  probe_until: number | null;
  probe_lease_id: string | null;
  last_active_at: number;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pacing (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  rate_per_second REAL NOT NULL, burst REAL NOT NULL, max_in_flight REAL NOT NULL,
  lease_ttl_ms INTEGER NOT NULL, failure_threshold INTEGER NOT NULL, cooldown_ms INTEGER NOT NULL,
  tokens REAL NOT NULL, updated_at INTEGER NOT NULL,
  circuit_status TEXT NOT NULL, failures INTEGER NOT NULL, opened_at INTEGER, probe_until INTEGER,
  probe_lease_id TEXT, last_active_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, weight REAL NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;`;

export interface StoredState {
  pacing: Pacing | null;
  leases: Lease[];
}

/** The object's storage: its state as rows, and the SQL, so the object itself holds none. */
export class PacingStore {
  /** False while nothing was ever written: the tables are created by the first write. */
  private hasSchema = false;

  constructor(private readonly storage: DurableObjectStorage) {}

  load(): StoredState {
    const sql = this.storage.sql;
    this.hasSchema =
      sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pacing'").toArray().length > 0;
    if (!this.hasSchema) return { pacing: null, leases: [] };
    this.upgradeLeases();
    const leases = sql
      .exec<{ id: string; weight: number; expires_at: number }>("SELECT id, weight, expires_at FROM leases")
      .toArray()
      .map((x) => ({ id: x.id, weight: x.weight, expiresAt: x.expires_at }));
    const r = sql.exec<PacingRow>("SELECT * FROM pacing WHERE id = 1").toArray()[0];
    return { pacing: r ? pacingFromRow(r) : null, leases };
  }

  savePacing(p: Pacing): void {
    const { limits: l, bucket: b, circuit: c } = p;
    this.sql().exec(
      "INSERT OR REPLACE INTO pacing VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ...[l.ratePerSecond, l.burst, l.maxInFlight, l.leaseTtlMs, l.failureThreshold, l.cooldownMs],
      ...[
        b.tokens,
        b.updatedAt,
        c.status,
        c.failures,
        c.openedAt,
        c.probeUntil,
        p.probeLeaseId,
        p.lastActiveAt,
      ],
    );
  }

  /** Stores a granted lease, dropping the rows of leases that expired by `now`. */
  saveLease(lease: Lease, now: number): void {
    const sql = this.sql();
    sql.exec("DELETE FROM leases WHERE expires_at < ?", now);
    sql.exec("INSERT OR REPLACE INTO leases VALUES (?, ?, ?)", lease.id, lease.weight, lease.expiresAt);
  }

  /** The tokens-per-minute bucket of text calls (token-budget.ts); null until a text call came. */
  loadTokenBudget(): BucketState | null {
    const sql = this.storage.sql;
    const exists = sql
      .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'token_budget'")
      .toArray();
    if (exists.length === 0) return null;
    const row = sql
      .exec<{ tokens: number; updated_at: number }>("SELECT tokens, updated_at FROM token_budget")
      .toArray()[0];
    return row ? { tokens: row.tokens, updatedAt: row.updated_at } : null;
  }

  saveTokenBudget(state: BucketState): void {
    this.storage.sql.exec(`CREATE TABLE IF NOT EXISTS token_budget (
      id INTEGER PRIMARY KEY CHECK (id = 1), tokens REAL NOT NULL, updated_at INTEGER NOT NULL)`);
    this.storage.sql.exec(
      "INSERT OR REPLACE INTO token_budget VALUES (1, ?, ?)",
      state.tokens,
      state.updatedAt,
    );
  }

  deleteLease(id: string): void {
    this.sql().exec("DELETE FROM leases WHERE id = ?", id);
  }

  /** Deletes everything, tables and alarm included (deleteAll, compatibility date >= 2026-02-24). */
  async clear(): Promise<void> {
    await this.storage.deleteAll();
    this.hasSchema = false;
  }

  /** Deletes the pacing state (its tables), leaving the object's other tables and its alarm. */
  clearPacing(): void {
    this.storage.sql.exec(
      "DROP TABLE IF EXISTS pacing; DROP TABLE IF EXISTS leases; DROP TABLE IF EXISTS token_budget;",
    );
    this.hasSchema = false;
  }

  /**
   * Objects made before leases became WITHOUT ROWID (a lease then cost two rows written, the row
   * and its key's index) get the new table once, their live leases copied over.
   */
  private upgradeLeases(): void {
    const sql = this.storage.sql;
    const [table] = sql
      .exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'leases'")
      .toArray();
    if (!table || /WITHOUT ROWID/i.test(table.sql)) return;
    sql.exec(`ALTER TABLE leases RENAME TO leases_old;
      CREATE TABLE leases (id TEXT PRIMARY KEY, weight REAL NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO leases SELECT id, weight, expires_at FROM leases_old;
      DROP TABLE leases_old;`);
  }

  /** The SQL handle for a write, with the tables made first if they are not there yet. */
  private sql(): SqlStorage {
    if (!this.hasSchema) {
      this.storage.sql.exec(SCHEMA);
      this.hasSchema = true;
    }
    return this.storage.sql;
  }
}

function pacingFromRow(r: PacingRow): Pacing {
  return {
    limits: {
      ratePerSecond: r.rate_per_second,
      burst: r.burst,
      maxInFlight: r.max_in_flight,
      leaseTtlMs: r.lease_ttl_ms,
      failureThreshold: r.failure_threshold,
      cooldownMs: r.cooldown_ms,
    },
    bucket: { tokens: r.tokens, updatedAt: r.updated_at },
    circuit: {
      status: r.circuit_status,
      failures: r.failures,
      openedAt: r.opened_at,
      probeUntil: r.probe_until,
    },
    probeLeaseId: r.probe_lease_id,
    lastActiveAt: r.last_active_at,
  };
}
