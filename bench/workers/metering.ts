// Bench-only metering of a Worker's bindings (`npm run bench -- --only cost`): it runs inside
// workerd, wrapped around the real producer and consumer by a generated entry (see
// bench/lib/entries.ts), so no application file knows about it. It counts what Cloudflare bills:
//   D1   rows read / written, from each result's `meta` (batch results included);
//   R2   class A (put, list, multipart) and class B (get, head) operations; delete is free;
//   Queues  one write per 64 KB sent, one read per 64 KB delivered (redeliveries too), one delete
//        per 64 KB acknowledged (explicitly or by a successful return);
//   Durable Objects  one request per RPC call or fetch on a stub, plus the object's SQLite rows;
//   Workers  one request per fetch / queue / scheduled invocation.
// After each invocation (and after each promise it hands to waitUntil) it logs one line
// `{"metering":{"worker":…,"counts":{…},"ops":[…]}}` with the counts since the previous line and
// the operations behind them, in order (bench/lib/operations.ts orders them across Workers);
// bench/lib/metering-log.ts collects them from wrangler's output.
//
// D1 note: `raw()` has no `meta`. A read-only statement (SELECT / WITH) runs twice: `raw()` for
// the exact rows (`all()` merges columns of the same name, as a join has) and `all()` for the
// meta, whose counts alone are recorded. Any other statement runs `all()` once and its rows are
// mapped to arrays the way drizzle's own batch path does (column order = object key order).

type Counts = Record<string, number>;

/** One billable platform operation, as the Worker made it. */
export interface Operation {
  /** The runtime's clock (ms; it moves only between I/O), to order operations across Workers. */
  at: number;
  /** `worker`: an invocation; the others: a binding call (`do_sql`: inside a Durable Object). */
  kind: "worker" | "d1" | "do" | "do_sql" | "queue" | "r2";
  /** "fetch POST /v1/jobs", "insert jobs", "TOKEN_BUCKET.acquire", "send genqueue-jobs", "put IMAGES"… */
  name: string;
  rowsRead?: number;
  rowsWritten?: number;
  /** A D1 statement's place in the batch it went in ("2/3"); absent for a statement sent alone. */
  batch?: string;
  /** Queue messages read, acknowledged or sent in one call. */
  messages?: number;
}

/** R2 operations by billing class (delete is free). */
export const R2_CLASS_A = new Set(["put", "list", "createMultipartUpload", "resumeMultipartUpload"]);
export const R2_CLASS_B = new Set(["get", "head"]);

const QUEUE_CHUNK_BYTES = 64 * 1024;
const encoder = new TextEncoder();

let pending: Counts = {};
let ops: Operation[] = [];
/** Durable Object cursors whose row counts are final only once read; harvested before a flush. */
const harvesters = new Set<() => void>();

function count(name: string, n = 1): void {
  if (n !== 0) pending[name] = (pending[name] ?? 0) + n;
}

function record(kind: Operation["kind"], name: string, details: Partial<Operation> = {}): Operation {
  const op: Operation = { at: Date.now(), kind, name, ...details };
  ops.push(op);
  return op;
}

/** Logs and clears what was counted since the last flush (nothing when nothing was counted). */
function flush(worker: string): void {
  for (const harvest of harvesters) harvest();
  if (Object.keys(pending).length === 0 && ops.length === 0) return;
  const line = { worker, counts: pending, ops };
  pending = {};
  ops = [];
  console.log(JSON.stringify({ metering: line }));
}

/** 64 KB units of a queue message body (JSON-encoded size; at least 1). */
export function queueChunks(body: unknown): number {
  let size = 0;
  try {
    size = encoder.encode(typeof body === "string" ? body : (JSON.stringify(body) ?? "")).byteLength;
  } catch {
    size = 0;
  }
  return Math.max(1, Math.ceil(size / QUEUE_CHUNK_BYTES));
}

/** A statement that only reads: safe to run twice (see the D1 note above). */
const READ_ONLY = /^\s*(?:select|with)\b/i;

/** The text outside any parentheses: innermost groups removed until none is left. */
function outsideParentheses(sql: string): string {
  let text = sql;
  while (/\([^()]*\)/.test(text)) text = text.replace(/\([^()]*\)/g, "");
  return text;
}

/**
 * "insert jobs", "update jobs", "select job_images"…: what a statement does, to attribute its
 * rows. The table is the statement's own, not a subquery's: parenthesised text is skipped.
 */
export function statementKey(sql: string): string {
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? "?";
  const table =
    /\b(?:into|from|update|table(?:\s+if\s+not\s+exists)?)\s+["`]?(\w+)/i.exec(
      outsideParentheses(sql),
    )?.[1] ?? "?";
  return `${verb} ${table}`;
}

function recordD1Meta(meta: unknown, sql: string | undefined, batch?: string): void {
  const m = (meta ?? {}) as { rows_read?: number; rows_written?: number };
  const key = sql === undefined ? "?" : statementKey(sql);
  const rowsRead = m.rows_read ?? 0;
  const rowsWritten = m.rows_written ?? 0;
  count("d1_queries");
  count("d1_rows_read", rowsRead);
  count("d1_rows_written", rowsWritten);
  count(`d1_rows_read_by:${key}`, rowsRead);
  count(`d1_rows_written_by:${key}`, rowsWritten);
  record("d1", key, { rowsRead, rowsWritten, ...(batch ? { batch } : {}) });
}

type AnyStatement = D1PreparedStatement & { __metered?: D1PreparedStatement; __sql?: string };

function meterStatement(stmt: D1PreparedStatement, sql: string): D1PreparedStatement {
  const wrapped = {
    __metered: stmt,
    __sql: sql,
    bind: (...values: unknown[]) => meterStatement(stmt.bind(...values), sql),
    async all<T>() {
      const result = await stmt.all<T>();
      recordD1Meta(result.meta, sql);
      return result;
    },
    async run<T>() {
      const result = await stmt.run<T>();
      recordD1Meta(result.meta, sql);
      return result;
    },
    async first<T>(column?: string) {
      const result = await stmt.all<Record<string, unknown>>();
      recordD1Meta(result.meta, sql);
      const row = result.results[0];
      if (!row) return null;
      return (column === undefined ? row : (row[column] ?? null)) as T;
    },
    async raw<T>(options?: { columnNames?: boolean }) {
      if (READ_ONLY.test(sql)) {
        const rows = await stmt.raw<T>(options as { columnNames: true });
        recordD1Meta((await stmt.all()).meta, sql);
        return rows;
      }
      const result = await stmt.all<Record<string, unknown>>();
      recordD1Meta(result.meta, sql);
      const rows = result.results.map((row) => Object.keys(row).map((k) => row[k]));
      if (options?.columnNames) return [Object.keys(result.results[0] ?? {}), ...rows] as T[];
      return rows as T[];
    },
  };
  return wrapped as unknown as D1PreparedStatement;
}

function meterD1(db: D1Database): D1Database {
  const wrapped = {
    prepare: (query: string) => meterStatement(db.prepare(query), query),
    async batch<T>(statements: D1PreparedStatement[]) {
      const inner = statements.map((s) => (s as AnyStatement).__metered ?? s);
      const results = await db.batch<T>(inner);
      results.forEach((r, i) => {
        recordD1Meta(r.meta, (statements[i] as AnyStatement).__sql, `${i + 1}/${results.length}`);
      });
      return results;
    },
    async exec(query: string) {
      count("d1_exec_calls");
      record("d1", "exec");
      return db.exec(query);
    },
    withSession: (...args: Parameters<D1Database["withSession"]>) => db.withSession(...args),
    dump: () => db.dump(),
  };
  return wrapped as unknown as D1Database;
}

function meterR2(bucket: R2Bucket, binding: string): R2Bucket {
  return new Proxy(bucket, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        if (R2_CLASS_A.has(prop)) count("r2_class_a");
        else if (R2_CLASS_B.has(prop)) count("r2_class_b");
        else if (prop === "delete") count("r2_deletes_free");
        if (R2_CLASS_A.has(prop) || R2_CLASS_B.has(prop) || prop === "delete")
          record("r2", `${prop} ${binding}`);
        return Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
      };
    },
  });
}

/** `name`: the queue's name (the binding's when the config does not say). */
function meterQueue(queue: Queue, name: string): Queue {
  return {
    metrics: () => queue.metrics(),
    async send(body: unknown, options?: QueueSendOptions) {
      count("queue_messages_sent");
      count("queue_write_ops", queueChunks(body));
      record("queue", `send ${name}`);
      return queue.send(body, options);
    },
    async sendBatch(messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) {
      const list = [...messages];
      count("queue_messages_sent", list.length);
      count(
        "queue_write_ops",
        list.reduce((sum, m) => sum + queueChunks(m.body), 0),
      );
      record("queue", `sendBatch ${name}`, { messages: list.length });
      return queue.sendBatch(list, options);
    },
  } as Queue;
}

const STUB_PASSTHROUGH = new Set(["id", "name", "then", "toJSON", "constructor"]);

function meterStub<T extends object>(stub: T, binding: string): T {
  return new Proxy(stub, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof prop !== "string" || STUB_PASSTHROUGH.has(prop) || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        count("do_requests");
        record("do", `${binding}.${prop}`);
        return Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
      };
    },
  });
}

function meterNamespace(ns: DurableObjectNamespace, binding: string): DurableObjectNamespace {
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "get" || prop === "getByName") {
        return (...args: unknown[]) =>
          meterStub(Reflect.apply(value as (...a: unknown[]) => object, target, args) as object, binding);
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

type Binding = Record<string, unknown>;
const has = (v: Binding, ...names: string[]) => names.every((n) => typeof v[n] === "function");

/** Queue binding -> queue name, from the Worker's config (the generated entry passes it). */
export type QueueNames = Record<string, string>;

function meterBinding(value: unknown, binding: string, queues: QueueNames): unknown {
  if (!value || typeof value !== "object") return value;
  const v = value as Binding;
  if (has(v, "prepare", "batch", "exec")) return meterD1(value as D1Database);
  if (has(v, "put", "get", "head", "list", "createMultipartUpload"))
    return meterR2(value as R2Bucket, binding);
  if (has(v, "send", "sendBatch")) return meterQueue(value as Queue, queues[binding] ?? binding);
  if (has(v, "idFromName", "getByName")) return meterNamespace(value as DurableObjectNamespace, binding);
  return value;
}

const meteredEnvs = new WeakMap<object, object>();

/** The env with every D1, R2, Queue and Durable Object binding metered (one wrapper per env). */
function meterEnv<E extends object>(env: E, queues: QueueNames): E {
  let out = meteredEnvs.get(env);
  if (!out) {
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(env)) copy[key] = meterBinding(value, key, queues);
    out = copy;
    meteredEnvs.set(env, out);
  }
  return out as E;
}

/** Wraps a batch so acknowledgements can be counted as the queue's delete operations. */
function meterBatch<B>(batch: MessageBatch<B>) {
  const fate = new Map<string, "ack" | "retry">();
  const chunks = new Map<string, number>();
  let all: "ack" | "retry" | null = null;
  const messages = batch.messages.map((m) => {
    chunks.set(m.id, queueChunks(m.body));
    return {
      get id() {
        return m.id;
      },
      get timestamp() {
        return m.timestamp;
      },
      get body() {
        return m.body;
      },
      get attempts() {
        return m.attempts;
      },
      ack() {
        if (!fate.has(m.id)) fate.set(m.id, "ack");
        m.ack();
      },
      retry(options?: QueueRetryOptions) {
        if (!fate.has(m.id)) fate.set(m.id, "retry");
        m.retry(options);
      },
    } satisfies Message<B>;
  });
  const wrapped: MessageBatch<B> = {
    queue: batch.queue,
    metadata: batch.metadata,
    messages,
    ackAll() {
      all ??= "ack";
      batch.ackAll();
    },
    retryAll(options?: QueueRetryOptions) {
      all ??= "retry";
      batch.retryAll(options);
    },
  };
  const settle = (succeeded: boolean) => {
    let deletes = 0;
    let acked = 0;
    for (const [id, size] of chunks) {
      const f = fate.get(id) ?? all ?? (succeeded ? "ack" : "retry");
      if (f === "ack") {
        deletes += size;
        acked++;
      } else count("queue_retries");
    }
    count("queue_delete_ops", deletes);
    if (acked > 0) record("queue", `ack ${batch.queue}`, { messages: acked });
    if (acked < chunks.size) record("queue", `retry ${batch.queue}`, { messages: chunks.size - acked });
  };
  return { wrapped, settle };
}

/** The context with each waitUntil promise flushed when it settles: its work logged with the rest. */
function meterContext<C extends ExecutionContext>(ctx: C, worker: string): C {
  return new Proxy(ctx, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "waitUntil")
        return (promise: Promise<unknown>) => target.waitUntil(promise.finally(() => flush(worker)));
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Wraps a Worker's exported handler: metered env, invocation counts, one log line per invocation. */
export function meterWorker<E extends object>(
  handler: ExportedHandler<E>,
  worker: string,
  queues: QueueNames = {},
): ExportedHandler<E> {
  // Every invocation is one billed request; its counts are logged when it ends, thrown or not.
  const invoke = async <T>(kind: string, name: string, run: () => T | Promise<T>): Promise<T> => {
    count("worker_requests");
    count(kind);
    record("worker", name);
    try {
      return await run();
    } finally {
      flush(worker);
    }
  };
  const out: ExportedHandler<E> = {};
  if (handler.fetch)
    out.fetch = (request, env, ctx) =>
      invoke("worker_fetch", `fetch ${request.method} ${new URL(request.url).pathname}`, () =>
        handler.fetch!(request, meterEnv(env, queues), meterContext(ctx, worker)),
      );
  if (handler.queue) {
    out.queue = (batch, env, ctx) =>
      invoke("worker_queue_invocations", `queue ${batch.queue}`, async () => {
        count("queue_messages_delivered", batch.messages.length);
        count(
          "queue_read_ops",
          batch.messages.reduce((sum, m) => sum + queueChunks(m.body), 0),
        );
        count(`queue_delivered:${batch.queue}`, batch.messages.length);
        record("queue", `read ${batch.queue}`, { messages: batch.messages.length });
        const { wrapped, settle } = meterBatch(batch);
        try {
          await handler.queue!(wrapped, meterEnv(env, queues), meterContext(ctx, worker));
          settle(true);
        } catch (error) {
          settle(false);
          throw error;
        }
      });
  }
  if (handler.scheduled)
    out.scheduled = (controller, env, ctx) =>
      invoke("worker_scheduled", "scheduled", () =>
        handler.scheduled!(controller, meterEnv(env, queues), meterContext(ctx, worker)),
      );
  return out;
}

/**
 * Counts the SQLite rows a Durable Object's storage reads and writes (its storage bill). The
 * runtime insists on its own DurableObjectState, so `exec` is replaced on the storage's `sql`
 * object itself, before the object's constructor runs.
 */
export function meterSqlStorage(ctx: DurableObjectState, worker: string): DurableObjectState {
  const sql = ctx.storage.sql;
  const exec = sql.exec.bind(sql);
  let open: { cursor: SqlStorageCursor<Record<string, SqlStorageValue>>; op: Operation }[] = [];
  let flushScheduled = false;
  const harvest = () => {
    for (const { cursor, op } of open) {
      count("do_sql_rows_read", cursor.rowsRead);
      count("do_sql_rows_written", cursor.rowsWritten);
      op.rowsRead = cursor.rowsRead;
      op.rowsWritten = cursor.rowsWritten;
    }
    open = [];
  };
  harvesters.add(harvest);
  const metered = (query: string, ...bindings: unknown[]) => {
    // Miniflare's own record of the object's name, written at each construction: local only.
    if (query.includes("__miniflare_")) return exec(query, ...(bindings as SqlStorageValue[]));
    harvest();
    const cursor = exec(query, ...(bindings as SqlStorageValue[]));
    open.push({ cursor, op: record("do_sql", statementKey(query)) });
    count("do_sql_statements");
    if (!flushScheduled) {
      flushScheduled = true;
      setTimeout(() => {
        flushScheduled = false;
        harvest();
        flush(worker);
      }, 250);
    }
    return cursor;
  };
  Object.defineProperty(sql, "exec", { value: metered, configurable: true, writable: true });
  return ctx;
}
