// The per-job operation list: operations of several Workers put in one order, and their summary.
import { describe, expect, it } from "vitest";
import { orderOperations, summarizeOperations } from "../../bench/lib/operations";
import type { Operation } from "../../bench/workers/metering";

const op = (
  at: number,
  kind: Operation["kind"],
  name: string,
  extra: Partial<Operation> = {},
): Operation => ({
  at,
  kind,
  name,
  ...extra,
});

describe("orderOperations", () => {
  it("orders by the runtime clock across Workers and keeps each line's order on a tie", () => {
    const ordered = orderOperations([
      { worker: "consumer", ops: [op(20, "worker", "queue jobs"), op(20, "d1", "select jobs")] },
      { worker: "producer", ops: [op(10, "worker", "fetch POST /v1/jobs"), op(11, "queue", "send jobs")] },
      { worker: "consumer", ops: [op(20, "do", "TOKEN_BUCKET.acquire"), op(25, "r2", "put IMAGES")] },
    ]);
    expect(ordered.map((o) => `${o.worker} ${o.name} +${o.ms}`)).toEqual([
      "producer fetch POST /v1/jobs +0",
      "producer send jobs +1",
      "consumer queue jobs +10",
      "consumer select jobs +10",
      "consumer TOKEN_BUCKET.acquire +10",
      "consumer put IMAGES +15",
    ]);
    expect(ordered[0]).not.toHaveProperty("at");
  });

  it("is empty for no lines", () => {
    expect(orderOperations([])).toEqual([]);
  });
});

describe("summarizeOperations", () => {
  it("counts statements, round trips, rows, calls and messages", () => {
    const summary = summarizeOperations([
      op(0, "worker", "fetch POST /v1/jobs"),
      op(1, "d1", "select api_keys", { rowsRead: 4, rowsWritten: 0 }),
      op(2, "d1", "insert jobs", { rowsRead: 0, rowsWritten: 3, batch: "1/2" }),
      op(2, "d1", "insert job_events", { rowsRead: 0, rowsWritten: 1, batch: "2/2" }),
      op(3, "queue", "send genqueue-jobs"),
      op(4, "worker", "queue genqueue-jobs"),
      op(4, "queue", "read genqueue-jobs", { messages: 1 }),
      op(5, "do", "TOKEN_BUCKET.acquire"),
      op(5, "do_sql", "insert leases", { rowsRead: 0, rowsWritten: 2 }),
      op(6, "r2", "put IMAGES"),
      op(6, "r2", "get IMAGES"),
      op(7, "queue", "sendBatch genqueue-webhooks", { messages: 2 }),
      op(8, "queue", "ack genqueue-jobs", { messages: 1 }),
    ]);
    expect(summary).toEqual({
      invocations: 2,
      d1Statements: 3,
      d1RoundTrips: 2,
      d1RowsRead: 4,
      d1RowsWritten: 4,
      doRequests: 1,
      doSqlStatements: 1,
      doSqlRowsRead: 0,
      doSqlRowsWritten: 2,
      queueMessagesSent: 3,
      queueMessagesRead: 1,
      queueMessagesAcked: 1,
      r2ClassA: 1,
      r2ClassB: 1,
    });
  });

  it("reads partial operations (a rendered result is untrusted input)", () => {
    expect(summarizeOperations([{}, { kind: "d1" }]).d1Statements).toBe(1);
  });
});
