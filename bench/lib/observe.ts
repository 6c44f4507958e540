// Watching a running bench system: the API as a client sees it, and the persisted local state
// (D1 and R2 metadata are SQLite files under the persist dir) read directly, read-only, so that
// polling thousands of jobs costs the system under test nothing.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { terminalStatuses } from "../../shared/jobs/enums";

export interface ApiClient {
  createJob(body: Record<string, unknown>, headers?: Record<string, string>): Promise<Response>;
  getJob(id: string): Promise<Response>;
}

export function apiClient(baseUrl: string, apiKey: string): ApiClient {
  const auth = { authorization: `Bearer ${apiKey}` };
  return {
    createJob: (body, headers = {}) =>
      fetch(`${baseUrl}/v1/jobs`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      }),
    getJob: (id) => fetch(`${baseUrl}/v1/jobs/${id}`, { headers: auth }),
  };
}

/**
 * The value a Worker logged as `{"<tag>":…}` (bench/workers/*.ts), or null when the line carries
 * none. Wrangler may print text around the JSON; a line cut short by the pipe is skipped.
 */
export function tagged<T>(line: string, tag: string): T | null {
  const at = line.indexOf(`{"${tag}":`);
  if (at < 0) return null;
  try {
    return (
      (JSON.parse(line.slice(at, line.lastIndexOf("}") + 1)) as Record<string, T | undefined>)[tag] ?? null
    );
  } catch {
    return null;
  }
}

function sqliteFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Read-only access to the run's D1 database and R2 bucket metadata. */
export class StateReader {
  private d1: DatabaseSync | null = null;
  private r2: DatabaseSync | null = null;

  constructor(private readonly persistDir: string) {}

  private open(kind: "d1" | "r2"): DatabaseSync {
    const existing = kind === "d1" ? this.d1 : this.r2;
    if (existing) return existing;
    const folder =
      kind === "d1"
        ? join(this.persistDir, "v3/d1/miniflare-D1DatabaseObject")
        : join(this.persistDir, "v3/r2/miniflare-R2BucketObject");
    const files = sqliteFiles(folder);
    if (files.length !== 1)
      throw new Error(`expected one ${kind} database in ${folder}, found ${files.length}`);
    const db = new DatabaseSync(files[0]!, { readOnly: true });
    db.exec("PRAGMA busy_timeout = 5000");
    if (kind === "d1") this.d1 = db;
    else this.r2 = db;
    return db;
  }

  query<T>(sql: string, ...params: (string | number | null)[]): T[] {
    return this.open("d1")
      .prepare(sql)
      .all(...params) as T[];
  }

  /** R2 object keys under a prefix (from miniflare's object index). */
  r2Keys(prefix: string): string[] {
    const rows = this.open("r2")
      .prepare("SELECT key FROM _mf_objects WHERE key >= ? AND key < ? ORDER BY key")
      .all(prefix, `${prefix}\uffff`) as { key: string }[];
    return rows.map((r) => r.key);
  }

  /** Status counts of the jobs of some instances. */
  statusCounts(instanceIds: string[]): Record<string, number> {
    const marks = instanceIds.map(() => "?").join(", ");
    const rows = this.query<{ status: string; n: number }>(
      `SELECT status, count(*) AS n FROM jobs WHERE instance_id IN (${marks}) GROUP BY status`,
      ...instanceIds,
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  close(): void {
    this.d1?.close();
    this.r2?.close();
    this.d1 = null;
    this.r2 = null;
  }
}

export function terminalCount(counts: Record<string, number>): number {
  return terminalStatuses.reduce((s, k) => s + (counts[k] ?? 0), 0);
}

/**
 * Reads `read()` every 250 ms until `finished(value)` or the deadline; a read that finds the
 * database locked or busy (the system is writing it) keeps the previous value and is tried again.
 */
export async function pollState<T>(
  initial: T,
  read: () => T,
  finished: (value: T) => boolean,
  deadlineMs: number,
  onTick?: (value: T) => void,
): Promise<{ done: boolean; value: T; at: number }> {
  const deadline = Date.now() + deadlineMs;
  let value = initial;
  for (;;) {
    try {
      value = read();
    } catch (error) {
      if (!String(error).includes("locked") && !String(error).includes("busy")) throw error;
    }
    onTick?.(value);
    if (finished(value)) return { done: true, value, at: Date.now() };
    if (Date.now() > deadline) return { done: false, value, at: Date.now() };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Polls until every one of `expected` jobs of the instances is terminal, or the deadline passes. */
export async function waitForTerminal(
  state: StateReader,
  instanceIds: string[],
  expected: number,
  deadlineMs: number,
  onTick?: (counts: Record<string, number>) => void,
): Promise<{ done: boolean; counts: Record<string, number>; at: number }> {
  const { done, value, at } = await pollState<Record<string, number>>(
    {},
    () => state.statusCounts(instanceIds),
    (counts) => terminalCount(counts) >= expected,
    deadlineMs,
    onTick,
  );
  return { done, counts: value, at };
}
