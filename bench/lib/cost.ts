// The platform cost model: billable operations per job (counted by bench/workers/metering.ts)
// times Cloudflare's list prices. Pure; unit-tested in test/scripts/bench-cost.test.ts.
// Provider charges and storage (GB-month of R2, D1, DO) are excluded.
import type { Operation } from "../workers/metering";
import { tagged } from "./observe";

export const PRICES = {
  /** What the figures are: list prices of the Workers Paid plan, beyond the included usage. */
  source:
    "Cloudflare list prices as known, 2025 (developers.cloudflare.com pricing pages for Workers, Queues, D1, Durable Objects, R2); not re-checked at run time (no network). Monthly included allowances ignored.",
  asOf: "2025",
  workersRequestsPerMillion: 0.3,
  workersCpuPerMillionMs: 0.02,
  queuesPerMillionOps: 0.4,
  d1RowsReadPerMillion: 0.001,
  d1RowsWrittenPerMillion: 1.0,
  doRequestsPerMillion: 0.15,
  doDurationPerMillionGbSeconds: 12.5,
  r2ClassAPerMillion: 4.5,
  r2ClassBPerMillion: 0.36,
} as const;

export interface CostAssumptions {
  /** CPU time per Worker invocation (not measurable under wrangler dev). */
  cpuMsPerInvocation: number;
  /**
   * Durable Object duration: an object under steady load stays active, so one object paced at
   * `doJobsPerSecondPerObject` jobs/s is billed 128 MB x (1 / that rate) seconds per job.
   */
  doJobsPerSecondPerObject: number;
  doMemoryGb: number;
  /** Whether SQLite rows of Durable Objects are billed (at D1's row prices). */
  billDoSqlRows: boolean;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  cpuMsPerInvocation: 5,
  doJobsPerSecondPerObject: 5,
  doMemoryGb: 0.128,
  billDoSqlRows: true,
};

export type Counts = Record<string, number>;

/** Sums metering counts (one object per log line). */
export function sumCounts(lines: readonly Counts[]): Counts {
  const out: Counts = {};
  for (const line of lines) for (const [k, v] of Object.entries(line)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export interface CostLine {
  item: string;
  perJob: number;
  unitPricePerMillion: number;
  /** USD per million jobs. */
  usdPerMillionJobs: number;
  note?: string;
}

export interface CostModel {
  jobs: number;
  perJob: Counts;
  lines: CostLine[];
  /** Lines from counted operations only. */
  countedUsdPerMillionJobs: number;
  /** Counted plus the assumed CPU and Durable Object duration. */
  totalUsdPerMillionJobs: number;
  prices: typeof PRICES;
  assumptions: CostAssumptions;
}

const get = (c: Counts, k: string) => c[k] ?? 0;

export function costModel(
  totals: Counts,
  jobs: number,
  assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS,
): CostModel {
  if (!(jobs > 0)) throw new RangeError("jobs must be > 0");
  const perJob: Counts = {};
  for (const [k, v] of Object.entries(totals)) perJob[k] = v / jobs;
  const pj = (k: string) => get(totals, k) / jobs;
  const queueOps = pj("queue_write_ops") + pj("queue_read_ops") + pj("queue_delete_ops");
  const line = (item: string, perJobCount: number, price: number, note?: string): CostLine => ({
    item,
    perJob: perJobCount,
    unitPricePerMillion: price,
    usdPerMillionJobs: perJobCount * price,
    ...(note ? { note } : {}),
  });
  const counted: CostLine[] = [
    line(
      "Workers requests",
      pj("worker_requests"),
      PRICES.workersRequestsPerMillion,
      "fetch + queue invocations",
    ),
    line(
      "Queues operations",
      queueOps,
      PRICES.queuesPerMillionOps,
      "write + read + delete per 64 KB, retries included",
    ),
    line("D1 rows read", pj("d1_rows_read"), PRICES.d1RowsReadPerMillion),
    line("D1 rows written", pj("d1_rows_written"), PRICES.d1RowsWrittenPerMillion),
    line("Durable Object requests", pj("do_requests"), PRICES.doRequestsPerMillion),
    line("R2 class A", pj("r2_class_a"), PRICES.r2ClassAPerMillion),
    line("R2 class B", pj("r2_class_b"), PRICES.r2ClassBPerMillion),
  ];
  if (assumptions.billDoSqlRows) {
    counted.push(
      line(
        "DO SQLite rows read",
        pj("do_sql_rows_read"),
        PRICES.d1RowsReadPerMillion,
        "assumed billed at D1 row prices",
      ),
      line(
        "DO SQLite rows written",
        pj("do_sql_rows_written"),
        PRICES.d1RowsWrittenPerMillion,
        "assumed billed at D1 row prices",
      ),
    );
  }
  const cpuMs = pj("worker_requests") * assumptions.cpuMsPerInvocation;
  const doGbSeconds = assumptions.doMemoryGb / assumptions.doJobsPerSecondPerObject;
  const assumed: CostLine[] = [
    line(
      "Workers CPU (assumed)",
      cpuMs,
      PRICES.workersCpuPerMillionMs,
      `${assumptions.cpuMsPerInvocation} ms CPU per invocation (ms per job)`,
    ),
    line(
      "DO duration (assumed)",
      doGbSeconds,
      PRICES.doDurationPerMillionGbSeconds,
      `GB-s per job: ${assumptions.doMemoryGb} GB, object active throughout at ${assumptions.doJobsPerSecondPerObject} jobs/s`,
    ),
  ];
  const sum = (ls: CostLine[]) => ls.reduce((s, l) => s + l.usdPerMillionJobs, 0);
  return {
    jobs,
    perJob,
    lines: [...counted, ...assumed],
    countedUsdPerMillionJobs: sum(counted),
    totalUsdPerMillionJobs: sum(counted) + sum(assumed),
    prices: PRICES,
    assumptions,
  };
}

/** Metering counts (and the operations behind them) from one line of wrangler output, or null. */
export function parseMeteringLine(line: string): { worker: string; counts: Counts; ops: Operation[] } | null {
  const m = tagged<{ worker?: string; counts?: Counts; ops?: Operation[] }>(line, "metering");
  if (!m || typeof m.worker !== "string" || !m.counts || typeof m.counts !== "object") return null;
  return { worker: m.worker, counts: m.counts, ops: Array.isArray(m.ops) ? m.ops : [] };
}
