// `npm run bench`: pacing fidelity, throughput against a fair floor and a bare baseline, latency
// under load, the platform cost model with one job's operations, and both Workers' bundle sizes
// and start-up times, measured on the local system (wrangler dev) with fake providers.
// Prints the figures and writes them to bench/results/bench-<timestamp>.json (+ latest.json).
//
//   npm run bench -- [--only pacing,throughput,latency,cost,bundles] [--rate 5] [--backlog-factor 30]
//                    [--jobs 2000] [--concurrency 20] [--latency-rate 50,20] [--latency-seconds 20]
//                    [--latency-backlog 1500] [--cost-jobs 200] [--startup-runs 3] [--batch-size N]
//                    [--out DIR]
//
// --batch-size overrides the jobs queue's max_batch_size for the run (an experiment; the default
// is the repository's wrangler.consumer.toml, and the baseline always copies whatever is used).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startIdeogramFake } from "../test/fakes/ideogram";
import { callTimes } from "../test/fakes/knobs";
import { generateMasterKey } from "../shared/providers/keys/crypto";
import { measureBundles } from "./lib/bundles";
import { costModel } from "./lib/cost";
import { startKeyRouter } from "./lib/key-router";
import { latencyUnderLoad } from "./lib/latency";
import { closedLoop } from "./lib/load";
import { finishResult, newResult, type Result } from "./lib/machine";
import { MeteringCollector } from "./lib/metering-log";
import { summarizeOperations } from "./lib/operations";
import { apiClient, StateReader, tagged, waitForTerminal } from "./lib/observe";
import {
  FAKE_LATENCY_MS,
  type PacingScenarioResult,
  runPacingScenario,
  slotToCallTrace,
  startPacingFakes,
} from "./lib/pacing";
import { printBench } from "./lib/report";
import { updateBenchReadme } from "./render-readme";
import { patchQueueConsumer, type QueueConsumerConfig, readConfig, startBenchSystem } from "./lib/system";
import { seedTenants, type LimitRow } from "./lib/tenant";
import {
  AckCounter,
  BatchLog,
  baselineThroughput,
  floorThroughput,
  genqueueThroughput,
  type ThroughputFigures,
} from "./lib/throughput";
import { round } from "./lib/stats";
import { startWebhookReceiver, waitForDeliveries } from "./lib/webhook-receiver";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "pacing,throughput,latency,cost,bundles" },
    rate: { type: "string", default: "5" },
    "backlog-factor": { type: "string", default: "30" },
    jobs: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "20" },
    "latency-rate": { type: "string", default: "50,20" },
    "latency-seconds": { type: "string", default: "20" },
    "latency-backlog": { type: "string", default: "1500" },
    "cost-jobs": { type: "string", default: "200" },
    "startup-runs": { type: "string", default: "3" },
    "batch-size": { type: "string" },
    "limit-factor": { type: "string", default: "1" },
    "fake-burst": { type: "string", default: "2" },
    "trace-pacing": { type: "boolean", default: false },
    "pacing-scenarios": { type: "string", default: "one_instance,two_instances,two_projects_one_instance" },
    "deadline-s": { type: "string", default: "600" },
    out: { type: "string", default: "bench/results" },
    quiet: { type: "boolean", default: false },
  },
});

const num = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
const only = new Set(String(values.only).split(","));
/** A comma-separated list of positive numbers. */
const rates = (name: "latency-rate"): number[] =>
  String(values[name])
    .split(",")
    .map((v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: ${v} is not a positive number`);
      return n;
    });
const R = num("rate");
const deadlineMs = num("deadline-s") * 1000;
const outDir = resolve(process.cwd(), String(values.out));
const say = (text: string) => {
  if (!values.quiet) console.log(text);
};

const JOBS_QUEUE = "genqueue-jobs";
const repoConsumer = (queue: string) =>
  (readConfig("wrangler.consumer.toml").queues?.consumers ?? []).find(
    (c) => c.queue === queue,
  ) as QueueConsumerConfig;
const repoJobsConsumer = repoConsumer(JOBS_QUEUE);
const batch = {
  max_batch_size: values["batch-size"] ? num("batch-size") : (repoJobsConsumer.max_batch_size ?? 10),
  max_batch_timeout: repoJobsConsumer.max_batch_timeout ?? 1,
};
const repoWebhooksConsumer = repoConsumer("genqueue-webhooks");
/** The webhooks queue's batch settings, copied onto the fair floor's webhooks queue. */
const webhookBatch = {
  max_batch_size: repoWebhooksConsumer.max_batch_size ?? 10,
  max_batch_timeout: repoWebhooksConsumer.max_batch_timeout ?? 1,
};

const result: Result = {
  ...newResult("bench"),
  settings: {
    only: [...only],
    rate: R,
    backlogFactor: num("backlog-factor"),
    throughputJobs: num("jobs"),
    concurrency: num("concurrency"),
    latency: {
      ratesPerSecond: rates("latency-rate"),
      seconds: num("latency-seconds"),
      backlog: num("latency-backlog"),
    },
    costJobs: num("cost-jobs"),
    startupRuns: num("startup-runs"),
    /** provider_limits.rate_per_second = limitFactor x R (the fakes always enforce R). */
    limitFactor: num("limit-factor"),
    /** Capacity of the fake provider's own bucket: 1 = no jitter tolerated at all. */
    fakeBurst: num("fake-burst"),
    jobsQueueBatch: batch,
    repoJobsQueueBatch: {
      max_batch_size: repoJobsConsumer.max_batch_size,
      max_batch_timeout: repoJobsConsumer.max_batch_timeout,
    },
  },
};

/** Filled in by the sessions that run throughput; the ratios are added once all have run. */
const throughput: { genqueue?: ThroughputFigures; floor?: ThroughputFigures; baseline?: ThroughputFigures } =
  {};

const highLimits = (provider: LimitRow["provider"]): LimitRow => ({
  provider,
  ratePerSecond: 100_000,
  burst: 100_000,
  maxInFlight: 100_000,
});

async function mainSession() {
  const pacingNames = ["one", "two1", "two2", "proj"];
  const fakes = await startPacingFakes(pacingNames, R, num("fake-burst"));
  // The "instant provider" of the throughput and latency runs: the Ideogram fake, no limit, no latency.
  const instantKey = "bench-ideogram-key-instant";
  const instant = await startIdeogramFake({ apiKey: instantKey, knobs: { latencyMs: 0 } });
  const routes = Object.fromEntries([...fakes.byTenant.values()].map((f) => [f.apiKey, f.fake.url]));
  const router = await startKeyRouter({ ...routes, [instantKey]: instant.url });
  const hooks = await startWebhookReceiver();
  const masterKey = generateMasterKey();
  const paced = (name: string, projects: number) => ({
    name,
    projects,
    limits: [
      { provider: "ideogram" as const, ratePerSecond: R * num("limit-factor"), burst: 1, maxInFlight: 10 },
    ],
    providerKeys: { ideogram: fakes.byTenant.get(name)!.apiKey },
  });
  say("bench: starting the system (producer + consumer, fake Ideogram accounts)...");
  const traces: { kind: string; at: number }[] = [];
  const jobBatches = new BatchLog(JOBS_QUEUE);
  const onLine = (line: string) => {
    jobBatches.onLine(line);
    const trace = tagged<{ kind: string; at: number }>(line, "trace");
    if (trace) traces.push(trace);
  };
  const sys = await startBenchSystem({
    label: "main",
    onLine,
    workers: [
      { config: "wrangler.producer.toml", vars: { ENVIRONMENT: "development" } },
      {
        config: "wrangler.consumer.toml",
        vars: {
          ENVIRONMENT: "development",
          IDEOGRAM_BASE_URL: router.url,
          PROVIDER_KEYS_MASTER_KEY: masterKey,
        },
        patch: patchQueueConsumer(JOBS_QUEUE, batch),
        wrap: { trace: Boolean(values["trace-pacing"]) },
      },
    ],
    seed: (env) =>
      seedTenants(
        env.DB,
        [
          paced("one", 1),
          paced("two1", 1),
          paced("two2", 1),
          paced("proj", 2),
          {
            name: "tput",
            projects: 1,
            limits: [highLimits("ideogram")],
            providerKeys: { ideogram: instantKey },
          },
          {
            name: "lat",
            projects: 1,
            limits: [highLimits("ideogram")],
            providerKeys: { ideogram: instantKey },
          },
        ],
        masterKey,
      ),
  });
  const state = new StateReader(sys.persistDir);
  const t = sys.seeded;
  try {
    if (only.has("pacing")) {
      const backlog = Math.ceil(num("backlog-factor") * R);
      const runs = [
        {
          scenario: "one_instance",
          description: `one instance limited to ${R}/s, ${backlog} jobs`,
          parts: [{ tenant: t.one!, jobsPerProject: backlog }],
        },
        {
          scenario: "two_instances",
          description: `two instances at once, each limited to ${R}/s (own provider account), ${backlog} jobs each`,
          parts: [
            { tenant: t.two1!, jobsPerProject: backlog },
            { tenant: t.two2!, jobsPerProject: backlog },
          ],
        },
        {
          scenario: "two_projects_one_instance",
          description: `two projects of one instance sharing ${R}/s, ${backlog} jobs in all`,
          parts: [{ tenant: t.proj!, jobsPerProject: Math.ceil(backlog / 2) }],
        },
      ];
      const pacing: PacingScenarioResult[] = [];
      const wanted = new Set(String(values["pacing-scenarios"]).split(","));
      for (const run of runs.filter((r) => wanted.has(r.scenario))) {
        say(`bench: pacing, ${run.description}...`);
        traces.length = 0;
        const figures = await runPacingScenario(sys.baseUrl, state, fakes, R, run, deadlineMs);
        if (values["trace-pacing"] && run.parts.length === 1) {
          const arrivals = callTimes(fakes.byTenant.get(run.parts[0]!.tenant.name)!.fake.stats());
          figures.trace = slotToCallTrace(traces, arrivals);
        }
        pacing.push(figures);
      }
      result.pacing = { rate: R, burst: 1, fakeLatencyMs: FAKE_LATENCY_MS, scenarios: pacing };
    }
    if (only.has("throughput")) {
      say(`bench: throughput, ${num("jobs")} jobs with an instant provider (Ideogram fake, no latency)...`);
      jobBatches.arm();
      throughput.genqueue = await genqueueThroughput(
        sys.baseUrl,
        t.tput!.projects[0]!.apiKey,
        t.tput!.instanceId,
        state,
        hooks,
        num("jobs"),
        num("concurrency"),
        deadlineMs,
      );
      throughput.genqueue.batches = jobBatches.summary();
    }
    if (only.has("latency")) {
      const points = [];
      for (const rate of rates("latency-rate")) {
        say(`bench: latency, ${rate} POST/s + ${rate} GET/s for ${num("latency-seconds")} s...`);
        points.push(
          await latencyUnderLoad(sys.baseUrl, t.lat!.projects[0]!.apiKey, t.lat!.instanceId, state, {
            ratePerSecond: rate,
            seconds: num("latency-seconds"),
            backlog: num("latency-backlog"),
          }),
        );
      }
      result.latency = points;
    }
  } finally {
    state.close();
    await sys.stop();
    await router.close();
    await hooks.close();
    await fakes.close();
    await instant.close();
  }
}

async function baselineSession() {
  const queue = "bench-baseline-jobs";
  const acks = new AckCounter(queue);
  const baseBatches = new BatchLog(queue);
  say("bench: starting the bare baseline (send-only Worker + ack-only consumer)...");
  const sys = await startBenchSystem({
    label: "baseline",
    workers: [
      { config: "bench/baseline/wrangler.producer.toml" },
      { config: "bench/baseline/wrangler.consumer.toml", patch: patchQueueConsumer(queue, batch) },
    ],
    onLine: (line) => {
      acks.onLine(line);
      baseBatches.onLine(line);
    },
  });
  try {
    say(`bench: baseline, ${num("jobs")} messages...`);
    baseBatches.arm();
    const base = await baselineThroughput(sys.baseUrl, acks, num("jobs"), num("concurrency"), deadlineMs);
    base.batches = baseBatches.summary();
    throughput.baseline = base;
  } finally {
    await sys.stop();
  }
}

async function floorSession() {
  const queue = "bench-floor-jobs";
  const floorBatches = new BatchLog(queue);
  // The same instant provider as genqueue's run: an Ideogram fake with no latency behind a key router.
  const apiKey = "bench-ideogram-key-floor";
  const fake = await startIdeogramFake({ apiKey, knobs: { latencyMs: 0 } });
  const router = await startKeyRouter({ [apiKey]: fake.url });
  const hooks = await startWebhookReceiver();
  say("bench: starting the fair floor (D1 + queue + provider + R2 + webhook, nothing else)...");
  try {
    const sys = await startBenchSystem({
      label: "floor",
      workers: [
        { config: "bench/floor/wrangler.producer.toml" },
        {
          config: "bench/floor/wrangler.consumer.toml",
          vars: { IDEOGRAM_BASE_URL: router.url, IDEOGRAM_API_KEY: apiKey },
          patch: (raw) => {
            patchQueueConsumer(queue, batch)(raw);
            patchQueueConsumer("bench-floor-webhooks", webhookBatch)(raw);
          },
        },
      ],
      onLine: floorBatches.onLine,
    });
    const state = new StateReader(sys.persistDir);
    try {
      say(`bench: fair floor, ${num("jobs")} jobs...`);
      floorBatches.arm();
      const floor = await floorThroughput(
        sys.baseUrl,
        state,
        hooks,
        num("jobs"),
        num("concurrency"),
        deadlineMs,
      );
      floor.batches = floorBatches.summary();
      throughput.floor = floor;
    } finally {
      state.close();
      await sys.stop();
    }
  } finally {
    await hooks.close();
    await router.close();
    await fake.close();
  }
}

/** The throughput figures with genqueue's end-to-end rate over the floor's and the baseline's. */
function throughputResult() {
  const ratio = (other?: ThroughputFigures) =>
    throughput.genqueue && other
      ? round(throughput.genqueue.jobsPerSecond / other.jobsPerSecond, 3)
      : undefined;
  return {
    ...throughput,
    ratioToFloor: ratio(throughput.floor),
    ratioToBaseline: ratio(throughput.baseline),
  };
}

/** How long the metered Workers get to print their last lines (the DO flushes 250 ms after a write). */
const METER_SETTLE_MS = 2_000;

async function costSession() {
  const meter = new MeteringCollector();
  const apiKey = "bench-ideogram-key-cost";
  const fake = await startIdeogramFake({ apiKey, knobs: { latencyMs: 0 } });
  const receiver = await startWebhookReceiver();
  const traceReceiver = await startWebhookReceiver();
  const masterKey = generateMasterKey();
  const tenant = (name: string) => ({
    name,
    projects: 1,
    limits: [highLimits("ideogram")],
    providerKeys: { ideogram: apiKey },
  });
  const costJob = (webhookUrl: string, prompt: string) => ({
    type: "image.generate",
    provider: "ideogram",
    webhook_url: webhookUrl,
    input: { prompt, aspect_ratio: "1x1" },
  });
  say("bench: starting the metered system (bindings counted)...");
  const sys = await startBenchSystem({
    label: "cost",
    workers: [
      { config: "wrangler.producer.toml", vars: { ENVIRONMENT: "development" }, wrap: { meter: true } },
      {
        config: "wrangler.consumer.toml",
        vars: {
          ENVIRONMENT: "development",
          IDEOGRAM_BASE_URL: fake.url,
          PROVIDER_KEYS_MASTER_KEY: masterKey,
        },
        wrap: { meter: true },
        patch: patchQueueConsumer(JOBS_QUEUE, batch),
      },
    ],
    seed: (env) => seedTenants(env.DB, [tenant("cost"), tenant("costtrace")], masterKey),
    onLine: meter.onLine,
  });
  const state = new StateReader(sys.persistDir);
  try {
    // One job alone, traced end to end: every operation logged meanwhile is its own. A warm-up job
    // of the same tenant goes first, so caches and the pacing object are as under load.
    const traced = sys.seeded.costtrace!;
    const traceClient = apiClient(sys.baseUrl, traced.projects[0]!.apiKey);
    say("bench: cost model, one job traced end to end (after one warm-up job)...");
    for (const n of [1, 2]) {
      if (n === 2) meter.arm();
      const res = await traceClient.createJob(costJob(traceReceiver.url, `bench cost trace ${n}`));
      await res.body?.cancel();
      if (res.status !== 202) throw new Error(`traced job: POST /v1/jobs answered ${res.status}`);
      await waitForTerminal(state, [traced.instanceId], n, deadlineMs);
      await waitForDeliveries(traceReceiver, n, 30_000);
      await new Promise((r) => setTimeout(r, METER_SETTLE_MS));
    }
    const operations = meter.operations();

    const jobs = num("cost-jobs");
    const loaded = sys.seeded.cost!;
    const client = apiClient(sys.baseUrl, loaded.projects[0]!.apiKey);
    say(`bench: cost model, ${jobs} metered jobs (Ideogram fake, one terminal webhook each)...`);
    meter.arm();
    const load = await closedLoop(jobs, 10, async (i) => {
      const res = await client.createJob(costJob(receiver.url, `bench cost ${i}`));
      await res.body?.cancel();
      return { ok: res.status === 202, status: res.status };
    });
    const accepted = load.calls.filter((c) => c.ok).length;
    const waited = await waitForTerminal(state, [loaded.instanceId], accepted, deadlineMs);
    await waitForDeliveries(receiver, accepted, 30_000);
    await new Promise((r) => setTimeout(r, METER_SETTLE_MS));
    const totals = meter.totals();
    result.cost = {
      jobs: accepted,
      statuses: waited.counts,
      webhookDeliveries: receiver.deliveries.length,
      scope:
        "one job end to end: POST /v1/jobs, queue delivery, pacing slot, provider call (Ideogram fake, image downloaded), R2 put, D1 writes, one terminal webhook (job.succeeded) enqueued and delivered; client polling not included",
      totals,
      model: costModel(totals, accepted),
      operations: {
        scope:
          "one job run alone after one warm-up job of the same tenant, from POST /v1/jobs to its job.succeeded webhook delivered",
        summary: summarizeOperations(operations),
        ops: operations,
      },
    };
  } finally {
    state.close();
    await sys.stop();
    await receiver.close();
    await traceReceiver.close();
    await fake.close();
  }
}

try {
  if (only.has("pacing") || only.has("throughput") || only.has("latency")) await mainSession();
  if (only.has("throughput")) await baselineSession();
  if (only.has("throughput")) await floorSession();
  if (only.has("cost")) await costSession();
  if (only.has("bundles")) {
    say("bench: bundle sizes and start-up times (wrangler deploy --dry-run, wrangler check startup)...");
    result.bundles = await measureBundles(
      ["wrangler.producer.toml", "wrangler.consumer.toml"],
      num("startup-runs"),
    );
  }
} catch (error) {
  result.error = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  console.error(error);
}
if (Object.keys(throughput).length > 0) result.throughput = throughputResult();
const file = await finishResult(outDir, result);
if (updateBenchReadme(outDir))
  console.log("bench: bench/README.md and docs/cost.md rewritten from latest.json");
if (!values.quiet) printBench(result);
console.log(`bench: results written to ${file}`);
process.exit(result.error ? 1 : 0);
