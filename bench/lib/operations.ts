// The per-job operation list: the metered operations of one job traced end to end (the bench runs
// it alone, so every operation logged meanwhile is its own), in order, and what they add up to.
// Pure; rendered into docs/cost.md by bench/render-cost.ts and tested in test/scripts.
import { type Operation, R2_CLASS_A, R2_CLASS_B } from "../workers/metering";

/** An operation with the Worker (or `worker:DurableObjectClass`) that made it. */
export interface TracedOperation extends Omit<Operation, "at"> {
  worker: string;
  /** Milliseconds since the job's first operation, by the runtime's coarse clock. */
  ms: number;
}

/**
 * One ordered list from the metering lines of several Workers. Each line's operations are in the
 * order its Worker made them; across Workers the runtime clock orders them, and a tie keeps the
 * order the lines were printed in (the sort is stable).
 */
export function orderOperations(
  lines: readonly { worker: string; ops: readonly Operation[] }[],
): TracedOperation[] {
  const all = lines.flatMap((line) => line.ops.map((op) => ({ ...op, worker: line.worker })));
  all.sort((a, b) => a.at - b.at);
  const start = all[0]?.at ?? 0;
  return all.map(({ at, ...op }) => ({ ...op, ms: at - start }));
}

export interface OperationSummary {
  invocations: number;
  d1Statements: number;
  /** Calls to D1: a batch is one, however many statements it holds. */
  d1RoundTrips: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  doRequests: number;
  doSqlStatements: number;
  doSqlRowsRead: number;
  doSqlRowsWritten: number;
  queueMessagesSent: number;
  queueMessagesRead: number;
  queueMessagesAcked: number;
  r2ClassA: number;
  r2ClassB: number;
}

/** What the summary reads of an operation (all optional: a rendered result is read as unknown). */
type Counted = Partial<Pick<Operation, "kind" | "name" | "rowsRead" | "rowsWritten" | "batch" | "messages">>;

const method = (op: Counted) => op.name?.split(" ")[0] ?? "";

export function summarizeOperations(ops: readonly Counted[]): OperationSummary {
  const of = (kind: Operation["kind"]) => ops.filter((op) => op.kind === kind);
  const sum = (list: Counted[], pick: (op: Counted) => number | undefined) =>
    list.reduce((s, op) => s + (pick(op) ?? 0), 0);
  const d1 = of("d1");
  const doSql = of("do_sql");
  const queue = of("queue");
  const messages = (verb: string) =>
    sum(
      queue.filter((op) => method(op) === verb),
      (op) => op.messages ?? 1,
    );
  return {
    invocations: of("worker").length,
    d1Statements: d1.length,
    d1RoundTrips: d1.filter((op) => op.batch === undefined || op.batch.startsWith("1/")).length,
    d1RowsRead: sum(d1, (op) => op.rowsRead),
    d1RowsWritten: sum(d1, (op) => op.rowsWritten),
    doRequests: of("do").length,
    doSqlStatements: doSql.length,
    doSqlRowsRead: sum(doSql, (op) => op.rowsRead),
    doSqlRowsWritten: sum(doSql, (op) => op.rowsWritten),
    queueMessagesSent: messages("send") + messages("sendBatch"),
    queueMessagesRead: messages("read"),
    queueMessagesAcked: messages("ack"),
    r2ClassA: of("r2").filter((op) => R2_CLASS_A.has(method(op))).length,
    r2ClassB: of("r2").filter((op) => R2_CLASS_B.has(method(op))).length,
  };
}
