import { describe, expect, it } from "vitest";
import { costModel, DEFAULT_ASSUMPTIONS, parseMeteringLine, PRICES, sumCounts } from "../../bench/lib/cost";
import { unitHash } from "../../bench/workers/chaos";
import { queueChunks, statementKey } from "../../bench/workers/metering";

describe("parseMeteringLine", () => {
  it("reads the metering object out of a wrangler log line", () => {
    const line =
      'prefix {"metering":{"worker":"genqueue-consumer","counts":{"d1_rows_read":3,"do_requests":2}}}';
    expect(parseMeteringLine(line)).toEqual({
      worker: "genqueue-consumer",
      counts: { d1_rows_read: 3, do_requests: 2 },
      ops: [],
    });
  });

  it("keeps the operations a line lists", () => {
    const op = { at: 5, kind: "d1", name: "insert jobs", rowsRead: 0, rowsWritten: 3 };
    const line = JSON.stringify({ metering: { worker: "w", counts: { d1_queries: 1 }, ops: [op] } });
    expect(parseMeteringLine(line)?.ops).toEqual([op]);
  });

  it("ignores other lines and broken JSON", () => {
    expect(parseMeteringLine("[wrangler:info] QUEUE genqueue-jobs 1/1")).toBeNull();
    expect(parseMeteringLine('{"metering":{"worker":')).toBeNull();
    expect(parseMeteringLine('{"metering":{"counts":{}}}')).toBeNull();
  });
});

describe("sumCounts", () => {
  it("adds counts key by key", () => {
    expect(sumCounts([{ a: 1, b: 2 }, { a: 3 }, {}])).toEqual({ a: 4, b: 2 });
  });
});

describe("costModel", () => {
  const totals = {
    worker_requests: 200,
    queue_write_ops: 300,
    queue_read_ops: 300,
    queue_delete_ops: 300,
    d1_rows_read: 2000,
    d1_rows_written: 3000,
    do_requests: 200,
    r2_class_a: 100,
    r2_class_b: 50,
    do_sql_rows_read: 500,
    do_sql_rows_written: 400,
  };

  it("divides counts by jobs and prices them per million jobs", () => {
    const m = costModel(totals, 100, { ...DEFAULT_ASSUMPTIONS, billDoSqlRows: false });
    const byItem = Object.fromEntries(m.lines.map((l) => [l.item, l]));
    expect(byItem["Queues operations"]!.perJob).toBe(9);
    expect(byItem["Queues operations"]!.usdPerMillionJobs).toBeCloseTo(9 * PRICES.queuesPerMillionOps, 10);
    expect(byItem["D1 rows written"]!.usdPerMillionJobs).toBeCloseTo(30, 10);
    expect(byItem["R2 class A"]!.usdPerMillionJobs).toBeCloseTo(4.5, 10);
    expect(byItem["R2 class B"]!.usdPerMillionJobs).toBeCloseTo(0.5 * 0.36, 10);
    expect(byItem["DO SQLite rows written"]).toBeUndefined();
    // 2 requests x 0.30 + 9 x 0.40 + 20 x 0.001 + 30 x 1 + 2 x 0.15 + 1 x 4.5 + 0.5 x 0.36
    expect(m.countedUsdPerMillionJobs).toBeCloseTo(0.6 + 3.6 + 0.02 + 30 + 0.3 + 4.5 + 0.18, 10);
  });

  it("adds the assumed CPU and Durable Object duration on top of the counted operations", () => {
    const m = costModel(totals, 100, {
      cpuMsPerInvocation: 10,
      doJobsPerSecondPerObject: 4,
      doMemoryGb: 0.128,
      billDoSqlRows: true,
    });
    const cpu = m.lines.find((l) => l.item.startsWith("Workers CPU"))!;
    const duration = m.lines.find((l) => l.item.startsWith("DO duration"))!;
    expect(cpu.perJob).toBe(20);
    expect(cpu.usdPerMillionJobs).toBeCloseTo(20 * 0.02, 10);
    expect(duration.perJob).toBeCloseTo(0.032, 10);
    expect(duration.usdPerMillionJobs).toBeCloseTo(0.032 * 12.5, 10);
    expect(m.totalUsdPerMillionJobs).toBeCloseTo(m.countedUsdPerMillionJobs + 0.4 + 0.4, 10);
  });

  it("refuses zero jobs", () => {
    expect(() => costModel(totals, 0)).toThrow(RangeError);
  });
});

describe("queueChunks", () => {
  it("bills a message per started 64 KB, at least one", () => {
    expect(queueChunks({ a: 1 })).toBe(1);
    expect(queueChunks("")).toBe(1);
    expect(queueChunks("x".repeat(64 * 1024))).toBe(1);
    expect(queueChunks("x".repeat(64 * 1024 + 1))).toBe(2);
  });
});

describe("unitHash", () => {
  it("is stable and in [0, 1)", () => {
    expect(unitHash("job_abc")).toBe(unitHash("job_abc"));
    for (const id of ["", "a", "job_0123456789abcdefghij"]) {
      expect(unitHash(id)).toBeGreaterThanOrEqual(0);
      expect(unitHash(id)).toBeLessThan(1);
    }
  });

  it("picks roughly the asked share of ids", () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `job_${i.toString(36)}`);
    const share = ids.filter((id) => unitHash(id) < 0.05).length / ids.length;
    expect(share).toBeGreaterThan(0.035);
    expect(share).toBeLessThan(0.065);
  });
});

describe("statementKey", () => {
  it("names a statement by its verb and first table", () => {
    expect(statementKey('insert into "jobs" ("id") values (?)')).toBe("insert jobs");
    expect(statementKey('update "jobs" set "status" = ?')).toBe("update jobs");
    expect(statementKey("SELECT id FROM api_keys WHERE key_hash = ?")).toBe("select api_keys");
    expect(statementKey("  delete from `leases` where id = ?")).toBe("delete leases");
    expect(statementKey("PRAGMA foo")).toBe("pragma ?");
  });

  it("names the statement's own table, not a subquery's", () => {
    const sql =
      'select "id", exists (select 1 from "gone_webhook_urls" where "url" = ?) from "webhook_events" left join "projects" on ("projects"."id" = "webhook_events"."project_id")';
    expect(statementKey(sql)).toBe("select webhook_events");
    expect(statementKey('insert into "jobs" ("id", "status") values (?, ?)')).toBe("insert jobs");
    expect(statementKey("CREATE TABLE IF NOT EXISTS leases (id TEXT)")).toBe("create leases");
  });
});
