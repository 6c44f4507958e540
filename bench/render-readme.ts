// Writes the figures of bench/results/latest.json into bench/README.md, between the markers
// `<!-- bench:start -->` and `<!-- bench:end -->`, so no figure is ever copied by hand; and the
// traced job's operation list into docs/cost.md (bench/render-cost.ts).
//
//   npm run bench:readme             rewrite both sections from bench/results/latest.json
//   npm run bench:readme -- --check  exit 1 if a committed section is not what latest.json renders
//
// `renderBenchSection` is pure (the same latest.json always renders the same text); the test in
// test/scripts/bench-readme.test.ts compares it with the committed section, so hand edits fail.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  COST_DOC_PATH,
  COST_END,
  COST_START,
  extractCostSection,
  renderCostSection,
  replaceCostSection,
} from "./render-cost";
import type { Machine, RunHeader, Bundle, BenchResult, SoakResult } from "./lib/result-shapes";
import { cell, extractBetween, fmt, isObject, list, obj, replaceBetween, table, text } from "./lib/markdown";

export const START_MARKER = "<!-- bench:start -->";
export const END_MARKER = "<!-- bench:end -->";

const ROOT = resolve(import.meta.dirname, "..");
/** The results folder whose latest.json the README shows (the bench's and the soak's default `--out`). */
export const RESULTS_DIR = resolve(ROOT, "bench/results");
export const LATEST_PATH = resolve(RESULTS_DIR, "latest.json");
export const README_PATH = resolve(ROOT, "bench/README.md");

// ---- formatting

/** Up to 6 decimals, trailing zeros dropped (prices: 0.3, 0.001, 12.5). */
const plain = (n: unknown) =>
  typeof n === "number" && Number.isFinite(n) ? String(Math.round(n * 1e6) / 1e6) : "-";
const pct = (n: unknown) => (typeof n === "number" && Number.isFinite(n) ? `${fmt(n * 100, 1)}%` : "-");
const yesNo = (b: unknown) => (b === true ? "yes" : b === false ? "no" : "-");
/** `{"200": 5, "429": 1}` -> "200: 5, 429: 1" (keys in the order the result holds them). */
const counts = (r: Record<string, number> | undefined) =>
  Object.entries(obj(r) ?? {})
    .map(([k, v]) => `${k}: ${fmt(v)}`)
    .join(", ") || "-";

function runLine(label: string, r: RunHeader): string[] {
  const m: Machine = obj(r.machine) ?? {};
  const load = (l: number[] | undefined) => (Array.isArray(l) ? l.map((v) => fmt(v, 2)).join(" / ") : "-");
  return [
    `${label}: started ${text(r.startedAt)}, finished ${text(r.finishedAt)} (${fmt(r.durationSeconds)} s).`,
    "",
    `Machine: ${fmt(m.nproc)} vCPU (${text(m.cpuModel)}), ${fmt(m.memTotalGiB)} GiB RAM, ${text(m.platform)}, ` +
      `Node ${text(m.node)}, wrangler ${text(m.wrangler)}, workerd ${text(m.workerd)}; ` +
      `load average (1 / 5 / 15 min) ${load(m.loadAverage)} at the start, ${load(r.loadAverageAtEnd)} at the end.`,
    "",
    ...(typeof r.error === "string" && r.error !== ""
      ? [`**The run failed:** ${cell(r.error.split("\n")[0] ?? "")}`, ""]
      : []),
  ];
}

// ---- the bench

function pacingPart(b: BenchResult): string[] {
  const p = obj(b.pacing);
  if (!p) return [];
  const fakeBurst = b.settings?.fakeBurst ?? 2;
  const limitFactor = b.settings?.limitFactor ?? 1;
  const rows: string[][] = [];
  for (const s of list(p.scenarios)) {
    for (const a of list(s.accounts)) {
      rows.push([
        text(s.scenario),
        fmt(s.jobs),
        text(a.tenant),
        fmt(a.steadyCallsPerSecond, 3),
        fmt(a.ratio, 3),
        `${fmt(a.overLimitCalls)} / ${fmt(a.calls)}`,
        fmt(a.acceptedCallsPerSecond, 3),
        fmt(a.maxCallsInAnyOneSecond),
        `${fmt(a.gapMs?.p50)} / ${fmt(a.gapMs?.p99)}`,
        fmt(s.drainSeconds),
        yesNo(s.pass),
      ]);
    }
  }
  return [
    "### Pacing",
    "",
    `Goal, per provider account: steady calls/s at least 0.98 of the limit, 0 calls over the limit, every job succeeded. ` +
      `Limit ${fmt(p.rate)}/s, instance burst ${fmt(p.burst)}` +
      (limitFactor === 1 ? "" : `, seeded at ${fmt(limitFactor, 2)} x the limit`) +
      `; strict fake Ideogram per account: a bucket of ${fmt(p.rate)}/s holding ${fmt(fakeBurst)}, every call over it answered 429 and counted; fake latency ${fmt(p.fakeLatencyMs)} ms.`,
    "",
    ...table(
      [
        "scenario",
        "jobs",
        "account",
        "calls/s (steady)",
        "ratio",
        "over limit / calls",
        "accepted calls/s",
        "max calls in 1 s",
        "gap p50 / p99 ms",
        "drain s",
        "goal met",
      ],
      rows,
    ),
    "",
  ];
}

function throughputPart(b: BenchResult): string[] {
  const t = obj(b.throughput);
  if (!t) return [];
  const rows: string[][] = [];
  for (const [name, figures] of [
    ["genqueue", t.genqueue],
    ["fair floor (bench/floor/)", t.floor],
    ["bare baseline (send + ack only)", t.baseline],
  ] as const) {
    const f = obj(figures);
    if (!f) continue;
    rows.push([
      name,
      `${fmt(f.completed)}/${fmt(f.jobs)}`,
      fmt(f.concurrency),
      fmt(f.enqueuePerSecond),
      `${fmt(f.enqueueLatencyMs?.p50)} / ${fmt(f.enqueueLatencyMs?.p99)}`,
      fmt(f.endToEndSeconds),
      fmt(f.jobsPerSecond),
      `${fmt(f.batches?.batches)} x ${fmt(f.batches?.meanBatchSize)}, p50 ${fmt(f.batches?.batchMs?.p50)} ms`,
      ...(t.floor ? [fmt(f.webhookDeliveries)] : []),
    ]);
  }
  const ratioRow = (name: string, ratio: number | undefined) =>
    ratio === undefined ? [] : [[name, "", "", "", "", "", fmt(ratio, 3), "", ...(t.floor ? [""] : [])]];
  rows.push(
    ...ratioRow("genqueue / fair floor", t.ratioToFloor),
    ...ratioRow("genqueue / baseline", t.ratioToBaseline),
  );
  return [
    "### Throughput",
    "",
    "Instant provider (the Ideogram fake, no latency, no limit); closed loop of concurrent POSTs; end to end = first POST sent to the last job finished.",
    ...(t.floor
      ? [
          "",
          "The fair floor does only the platform work a job cannot avoid: one D1 insert and one queue send at enqueue; the provider call through the same Ideogram adapter to the same fake, one R2 put, one D1 update and one webhook-queue send in its consumer; one webhook POST. genqueue's jobs and the floor's each deliver one webhook to a local receiver; both are timed to the last `completed_at` in their D1, the baseline to its last acknowledged batch.",
        ]
      : []),
    "",
    ...table(
      [
        "system",
        "jobs",
        "concurrency",
        "enqueue/s",
        "enqueue p50 / p99 ms",
        "end to end s",
        "end-to-end jobs/s",
        "jobs-queue batches",
        ...(t.floor ? ["webhooks delivered"] : []),
      ],
      rows,
    ),
    "",
  ];
}

function latencyPart(b: BenchResult): string[] {
  const points = list(b.latency);
  if (points.length === 0) return [];
  const rows: string[][] = [];
  for (const l of points) {
    for (const [name, f] of [
      ["POST /v1/jobs", l.enqueue],
      ["GET /v1/jobs/{id}", l.statusGet],
    ] as const) {
      rows.push([
        `${fmt(l.offeredPerSecond)}/s each, ${fmt(l.seconds)} s`,
        name,
        fmt(f?.calls),
        fmt(f?.errors),
        fmt(f?.latencyMs?.p50),
        fmt(f?.latencyMs?.p90),
        fmt(f?.latencyMs?.p99),
        fmt(f?.latencyMs?.max),
        `${fmt(l.unfinishedAtStart)} -> ${fmt(l.unfinishedAtEnd)}`,
      ]);
    }
  }
  return [
    "### Latency under load",
    "",
    "Open loop: POST and GET each offered at a fixed rate while the consumer works through a backlog; latency counts from each call's scheduled start.",
    "",
    ...table(
      [
        "offered",
        "call",
        "calls",
        "errors",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "unfinished jobs start -> end",
      ],
      rows,
    ),
    "",
  ];
}

function costPart(b: BenchResult): string[] {
  const c = obj(b.cost);
  const m = obj(c?.model);
  if (!c || !m) return [];
  const rows = list(m.lines).map((l) => [
    text(l.item),
    fmt(l.perJob, 3),
    plain(l.unitPricePerMillion),
    fmt(l.usdPerMillionJobs, 3),
    typeof l.note === "string" ? l.note : "",
  ]);
  rows.push(
    [
      "**counted operations**",
      "",
      "",
      `**${fmt(m.countedUsdPerMillionJobs, 2)}**`,
      "lines without an assumption",
    ],
    [
      "**total with the assumptions**",
      "",
      "",
      `**${fmt(m.totalUsdPerMillionJobs, 2)}**`,
      "plus assumed CPU and DO duration",
    ],
  );
  const writers = Object.entries(obj(m.perJob) ?? {})
    .filter(([k, v]) => k.startsWith("d1_rows_written_by:") && typeof v === "number" && v > 0)
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
  return [
    "### Platform cost per job",
    "",
    `${fmt(c.jobs)} metered jobs; scope: ${text(c.scope)}. Prices: ${text(m.prices?.source)} Provider charges and storage excluded.`,
    "",
    ...table(["item", "per job", "USD per million units", "USD per million jobs", "note"], rows),
    "",
    ...(writers.length
      ? [
          "D1 rows written per job, by statement (indexes count as rows):",
          "",
          ...table(
            ["statement", "rows per job"],
            writers.map(([k, v]) => [k.slice("d1_rows_written_by:".length), fmt(v, 3)]),
          ),
          "",
        ]
      : []),
  ];
}

function bundlesPart(b: BenchResult): string[] {
  const bundles = list(b.bundles).filter(isObject) as Bundle[];
  if (bundles.length === 0) return [];
  const kib = (n: unknown) => (typeof n === "number" ? fmt(n / 1024, 1) : "-");
  const rows = bundles.map((w) => [
    text(w.worker),
    list(w.modules).join(", ") || "-",
    kib(w.bytes),
    kib(w.gzipBytes),
    fmt(w.startupMs?.median),
    list(w.startupMs?.runs)
      .map((ms) => fmt(ms))
      .join(", ") || "-",
  ]);
  return [
    "### Bundles and start-up",
    "",
    "Each Worker built from its repository config by `wrangler deploy --dry-run --outdir` (no bench wrapper); size of the modules it would upload, raw and gzipped. Start-up: CPU time of the Worker's start-up phase (compiling the bundle and running its top-level code) as `wrangler check startup` profiles it in a local workerd, idle samples left out, garbage collection included; this machine's CPU, not Cloudflare's; median of the runs shown.",
    "",
    ...table(["Worker", "modules", "KiB", "gzip KiB", "start-up ms (median)", "runs ms"], rows),
    "",
  ];
}

function benchPart(b: BenchResult): string[] {
  return [
    "## `npm run bench`",
    "",
    ...runLine("Run", b),
    ...pacingPart(b),
    ...throughputPart(b),
    ...latencyPart(b),
    ...costPart(b),
    ...bundlesPart(b),
  ];
}

// ---- the soak

function soakPart(s: SoakResult): string[] {
  const st: NonNullable<SoakResult["settings"]> = obj(s.settings) ?? {};
  const f: NonNullable<SoakResult["figures"]> = obj(s.figures) ?? {};
  const rates = obj(st.providerErrorRates);
  const errorRates = rates
    ? Object.entries(rates)
        .map(([k, v]) => `${k} ${pct(v)}`)
        .join(", ")
    : "-";
  const consumerVars = obj(st.consumerVars);
  const vars = consumerVars
    ? Object.entries(consumerVars)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")
    : "-";
  const il = st.instanceLimit;
  const settings =
    `${fmt(st.jobs)} jobs through a fake Ideogram (errors: ${errorRates}) behind a limit of ` +
    `${fmt(st.providerLimit?.ratePerSecond)}/s burst ${fmt(st.providerLimit?.burst)} and ${fmt(st.providerInflightLimit)} in flight; ` +
    `instance limit ${fmt(il?.ratePerSecond)}/s burst ${fmt(il?.burst)}, ${fmt(il?.maxInFlight)} in flight. ` +
    `Every message on ${list(st.duplicateDelivery).join(" and ") || "-"} delivered twice; ${pct(st.crashAfterProviderRate)} of jobs crash after the provider call; ` +
    `webhook receiver down for ${fmt(st.webhookReceiverDown?.forSeconds)} s. ` +
    `Jobs queue max_batch_size ${fmt(st.jobsQueueMaxBatchSize)}; consumer vars ${vars}.`;
  const checks = list(s.checks).map((c) => [text(c.name), c.pass === true ? "PASS" : "FAIL", text(c.detail)]);
  const p = f.provider;
  const pc = f.pacing;
  const figures: string[][] = [
    ["jobs accepted", `${fmt(f.accepted)} (${counts(f.statuses)})`],
    ["all terminal after", `${fmt(f.secondsToAllTerminal)} s (${fmt(f.jobsPerSecond, 2)} jobs/s)`],
    ["all webhooks delivered after", `${fmt(f.secondsToAllWebhooks)} s`],
    [
      "provider generation calls",
      `${fmt(p?.generateCalls)} (${counts(p?.callsByStatus)}); ${fmt(p?.callsPerJob, 3)} per job`,
    ],
    ["provider calls over the limit", fmt(p?.overLimitCalls)],
    ["pacing slots granted", fmt(pc?.grants)],
    ["late check-ins booked again / early check-ins", `${fmt(pc?.rebookings)} / ${fmt(pc?.earlyCheckIns)}`],
    ["callers told to come back, by reason", counts(pc?.denialsByReason)],
    ["seconds with open-circuit denials", fmt(pc?.secondsWithCircuitOpenDenials)],
    ["crashes after the provider call", fmt(f.chaos?.crashes)],
    ["duplicate messages", counts(f.chaos?.duplicates)],
    ["webhook delivery attempts", fmt(f.webhookDeliveries)],
    ["dead letters", fmt(f.deadLetters)],
    ["longest stall of the fake's own thread", `${fmt(p?.fakeThread?.longestStallMs)} ms`],
  ];
  return [
    "## `npm run soak`",
    "",
    ...runLine("Run", s),
    settings,
    "",
    `Result: ${s.pass === true ? "**all checks passed**" : "**FAILED**"}.`,
    "",
    ...table(["check", "result", "detail"], checks),
    "",
    ...table(["figure", "value"], figures),
    "",
  ];
}

/** The generated section of bench/README.md (the text between the markers) for a latest.json. */
export function renderBenchSection(latest: unknown): string {
  const root = isObject(latest) ? latest : {};
  const entry = (kind: string): Record<string, unknown> | undefined => {
    const e = root[kind];
    return isObject(e) && isObject(e.result) ? e.result : undefined;
  };
  const bench = entry("bench");
  const soak = entry("soak");
  const out = [
    "<!-- Generated by `npm run bench:readme` from bench/results/latest.json. Do not edit by hand: run the bench (or `npm run bench:readme`) instead. -->",
    "",
    ...(bench
      ? benchPart(bench as BenchResult)
      : ["## `npm run bench`", "", "No bench result in latest.json yet.", ""]),
    ...(soak
      ? soakPart(soak as SoakResult)
      : ["## `npm run soak`", "", "No soak result in latest.json yet.", ""]),
  ];
  while (out.at(-1) === "") out.pop();
  return out.join("\n");
}

// ---- the README around it

/** The text between the markers (without the line breaks right after the start and before the end). */
export function extractSection(readme: string): string {
  return extractBetween(readme, START_MARKER, END_MARKER);
}

/** The README with its section replaced by `section`. */
export function replaceSection(readme: string, section: string): string {
  return replaceBetween(readme, START_MARKER, END_MARKER, section);
}

/** Each generated document: where it is, how its section is found and replaced, what renders it. */
/** The documents with a section generated from latest.json, and how each is found and rendered. */
export const DOCUMENTS = [
  {
    path: README_PATH,
    name: "bench/README.md",
    start: START_MARKER,
    end: END_MARKER,
    extract: extractSection,
    replace: replaceSection,
    render: renderBenchSection,
  },
  {
    path: COST_DOC_PATH,
    name: "docs/cost.md",
    start: COST_START,
    end: COST_END,
    extract: extractCostSection,
    replace: replaceCostSection,
    render: renderCostSection,
  },
];

/**
 * Rewrites bench/README.md and docs/cost.md from `<resultsDir>/latest.json`, but only when
 * resultsDir is the repository's bench/results (a run with `--out` elsewhere, such as the smoke
 * test, leaves them alone). Returns the README's path when it rewrote them, otherwise null.
 */
export function updateBenchReadme(resultsDir: string = RESULTS_DIR): string | null {
  if (resolve(resultsDir) !== RESULTS_DIR) return null;
  const latest: unknown = JSON.parse(readFileSync(LATEST_PATH, "utf8"));
  for (const doc of DOCUMENTS) {
    const before = readFileSync(doc.path, "utf8");
    const next = doc.replace(before, doc.render(latest));
    if (next !== before) writeFileSync(doc.path, next);
  }
  return README_PATH;
}

function main(argv: string[]): number {
  if (argv.includes("--check")) {
    const latest: unknown = JSON.parse(readFileSync(LATEST_PATH, "utf8"));
    let ok = true;
    for (const doc of DOCUMENTS) {
      const same = doc.extract(readFileSync(doc.path, "utf8")) === doc.render(latest);
      console.log(
        same
          ? `bench:readme: ${doc.name} matches bench/results/latest.json`
          : `bench:readme: ${doc.name} is out of date; run \`npm run bench:readme\``,
      );
      ok &&= same;
    }
    return ok ? 0 : 1;
  }
  updateBenchReadme();
  console.log("bench:readme: bench/README.md and docs/cost.md rewritten from bench/results/latest.json");
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
