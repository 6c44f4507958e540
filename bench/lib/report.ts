// Prints a bench result as Markdown tables (the same tables docs-bench.md shows).
import type { BundleFigures } from "./bundles";
import type { CostModel } from "./cost";
import type { LatencyFigures } from "./latency";
import type { OperationSummary } from "./operations";
import type { PacingScenarioResult } from "./pacing";
import type { ThroughputFigures } from "./throughput";

const fmt = (n: number | undefined, digits = 2) =>
  n === undefined || Number.isNaN(n) ? "-" : Number.isInteger(n) ? String(n) : n.toFixed(digits);

function benchTables(result: Record<string, unknown>): string {
  const out: string[] = [];
  const pacing = result.pacing as { rate: number; scenarios: PacingScenarioResult[] } | undefined;
  const fakeBurst = (result.settings as { fakeBurst?: number } | undefined)?.fakeBurst ?? 2;
  if (pacing) {
    out.push(
      `Pacing (instance limit ${pacing.rate}/s burst 1; strict fake: a bucket of ${pacing.rate}/s holding ${fakeBurst}, every call over it counted)`,
      "",
      "| scenario | jobs | account | calls/s (steady) | ratio | over limit / calls | accepted calls/s | max calls in 1 s | drain s | pass |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const s of pacing.scenarios) {
      for (const a of s.accounts) {
        out.push(
          `| ${s.scenario} | ${s.jobs} | ${a.tenant} | ${fmt(a.steadyCallsPerSecond, 3)} | ${fmt(a.ratio, 3)} | ${a.overLimitCalls} / ${a.calls} | ${fmt(a.acceptedCallsPerSecond, 3)} | ${a.maxCallsInAnyOneSecond} | ${fmt(s.drainSeconds, 1)} | ${s.pass ? "yes" : "no"} |`,
        );
      }
    }
    out.push("");
  }
  const tput = result.throughput as
    | {
        genqueue?: ThroughputFigures;
        floor?: ThroughputFigures;
        baseline?: ThroughputFigures;
        ratioToFloor?: number;
        ratioToBaseline?: number;
      }
    | undefined;
  if (tput) {
    out.push(
      "Throughput (instant provider; end to end = first POST to last job finished)",
      "",
      "| system | jobs | enqueue/s | enqueue p50 / p99 ms | end-to-end jobs/s |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const [name, f] of [
      ["genqueue", tput.genqueue],
      ["fair floor", tput.floor],
      ["bare baseline", tput.baseline],
    ] as const) {
      if (f)
        out.push(
          `| ${name} | ${f.completed}/${f.jobs} | ${fmt(f.enqueuePerSecond, 1)} | ${fmt(f.enqueueLatencyMs.p50, 1)} / ${fmt(f.enqueueLatencyMs.p99, 1)} | ${fmt(f.jobsPerSecond, 1)} |`,
        );
    }
    if (tput.ratioToFloor !== undefined)
      out.push(`| genqueue / fair floor | | | | ${fmt(tput.ratioToFloor, 3)} |`);
    if (tput.ratioToBaseline !== undefined)
      out.push(`| genqueue / baseline | | | | ${fmt(tput.ratioToBaseline, 3)} |`);
    out.push("");
  }
  const latency = result.latency as LatencyFigures[] | undefined;
  if (latency?.length) {
    out.push(
      "Latency under load (open loop: POST and GET each offered at a fixed rate; consumer busy with a backlog)",
      "",
      "| offered | call | calls | errors | p50 ms | p90 ms | p99 ms | max ms | backlog start -> end |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const lat of latency) {
      for (const [name, f] of [
        ["POST /v1/jobs", lat.enqueue],
        ["GET /v1/jobs/{id}", lat.statusGet],
      ] as const) {
        out.push(
          `| ${lat.offeredPerSecond}/s each | ${name} | ${f.calls} | ${f.errors} | ${fmt(f.latencyMs.p50, 1)} | ${fmt(f.latencyMs.p90, 1)} | ${fmt(f.latencyMs.p99, 1)} | ${fmt(f.latencyMs.max, 1)} | ${lat.unfinishedAtStart} -> ${lat.unfinishedAtEnd} |`,
        );
      }
    }
    out.push("");
  }
  const cost = result.cost as
    | { jobs: number; model: CostModel; operations?: { summary: OperationSummary } }
    | undefined;
  if (cost) {
    out.push(
      `Platform cost per job (${cost.jobs} metered jobs; ${cost.model.prices.source})`,
      "",
      "| item | per job | USD per million units | USD per million jobs | note |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const l of cost.model.lines) {
      out.push(
        `| ${l.item} | ${fmt(l.perJob, 3)} | ${l.unitPricePerMillion} | ${fmt(l.usdPerMillionJobs, 3)} | ${l.note ?? ""} |`,
      );
    }
    out.push(
      `| **counted operations** | | | **${fmt(cost.model.countedUsdPerMillionJobs, 2)}** | |`,
      `| **with assumed CPU and DO duration** | | | **${fmt(cost.model.totalUsdPerMillionJobs, 2)}** | |`,
      "",
    );
    const writers = Object.entries(cost.model.perJob)
      .filter(([k, v]) => k.startsWith("d1_rows_written_by:") && v > 0)
      .sort((a, b) => b[1] - a[1]);
    if (writers.length) {
      out.push("D1 rows written per job, by statement", "", "| statement | rows per job |", "| --- | --- |");
      for (const [k, v] of writers) out.push(`| ${k.slice("d1_rows_written_by:".length)} | ${fmt(v, 2)} |`);
      out.push("");
    }
    if (cost.operations)
      out.push(`One job traced end to end (docs/cost.md): ${JSON.stringify(cost.operations.summary)}`, "");
  }
  const bundles = result.bundles as BundleFigures[] | undefined;
  if (bundles?.length) {
    out.push("| Worker | KiB | gzip KiB | start-up ms (median) |", "| --- | --- | --- | --- |");
    for (const b of bundles)
      out.push(
        `| ${b.worker} | ${fmt(b.bytes / 1024, 1)} | ${fmt(b.gzipBytes / 1024, 1)} | ${b.startupMs.median} |`,
      );
    out.push("");
  }
  return out.join("\n");
}

export function printBench(result: Record<string, unknown>): void {
  console.log(`\n${benchTables(result)}`);
}
