// `npm run soak`: a chaos run on the local system, then the invariants that must survive it.
//   - N jobs (default 5,000) through the fake Ideogram injecting 20% 5xx, 10% 429, 5% timeouts,
//     2% malformed bodies, behind a real rate limit and in-flight limit;
//   - every jobs-queue and webhooks-queue message delivered twice (bench/workers/chaos.ts);
//   - the consumer "crashing" after the provider call for a share of jobs (first R2 write throws);
//   - the webhook receiver down (503) for a while (from the first terminal webhooks on).
// Then it checks and prints: every job terminal within the deadline (none lost or stuck), exactly
// one result set per succeeded job (D1 rows and R2 objects; none for other jobs), exactly one
// terminal webhook event per job after dedup by webhook-id, no provider call over the limit.
// Writes bench/results/soak-<timestamp>.json (+ latest.json); exits 1 when a check fails.
//
//   npm run soak -- [--jobs 5000] [--rate 40] [--crash-rate 0.05] [--webhook-down-from-s 60]
//                   [--webhook-down-s 20] [--deadline-s 600 + jobs] [--batch-size 100] [--out DIR]
//                   [--log FILE] [--trace-out FILE]
//
// Settings that differ from wrangler.consumer.toml, and why (all in the result's `settings`):
//   jobs queue max_batch_size (default 100): local Queues deliver one batch at a time per queue,
//     so a batch of 10 holding one 3 s timeout stalls everything; a larger batch stands in for
//     the consumer concurrency Cloudflare would add;
//   PROVIDER_REQUEST_TIMEOUT_MS 3000, PROVIDER_CALL_TIMEOUT_MS 10000, JOB_LEASE_SECONDS 30: the
//     injected timeouts and crashes resolve in seconds rather than minutes.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { terminalStatuses } from "../shared/jobs/enums";
import { generateMasterKey } from "../shared/providers/keys/crypto";
import { startIdeogramFakeThread } from "./lib/fake-thread";
import { closedLoop } from "./lib/load";
import { finishResult, newResult, type Result } from "./lib/machine";
import { apiClient, StateReader, tagged, waitForTerminal } from "./lib/observe";
import { round } from "./lib/stats";
import { patchQueueConsumer, startBenchSystem } from "./lib/system";
import { seedTenants } from "./lib/tenant";
import { startWebhookReceiver, terminalEventsPerJob } from "./lib/webhook-receiver";
import { updateBenchReadme } from "./render-readme";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "5000" },
    rate: { type: "string", default: "40" },
    "crash-rate": { type: "string", default: "0.05" },
    "webhook-down-from-s": { type: "string", default: "60" },
    "webhook-down-s": { type: "string", default: "20" },
    /** Default: 600 s plus 1 s per job. */
    "deadline-s": { type: "string" },
    "batch-size": { type: "string", default: "100" },
    concurrency: { type: "string", default: "20" },
    /** How long an injected timeout holds the request open (our request timeout is 3 s). */
    "hang-ms": { type: "string", default: "30000" },
    /** Where to write wrangler's output (the last 512 KB), for diagnosis. */
    log: { type: "string" },
    /** Where to write every pacing trace line and the fake's call arrival times, for diagnosis. */
    "trace-out": { type: "string" },
    out: { type: "string", default: "bench/results" },
    quiet: { type: "boolean", default: false },
  },
});
const num = (name: keyof typeof values, min = 0): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
  return n;
};
const say = (text: string) => {
  if (!values.quiet) console.log(text);
};

const N = num("jobs", 1);
const RATE = num("rate", 1);
const deadlineMs = (values["deadline-s"] === undefined ? 600 + N : num("deadline-s", 1)) * 1000;
const crashRate = num("crash-rate");
const batchSize = num("batch-size", 1);
const downFromS = num("webhook-down-from-s");
const downS = num("webhook-down-s");
const downAfterDeliveries = Math.max(1, Math.ceil(N * 0.05));
const errorRates = { server5xx: 0.2, rateLimit429: 0.1, timeout: 0.05, malformed: 0.02 };
const providerLimit = { ratePerSecond: RATE, burst: 10 };
const instanceLimit = { provider: "ideogram" as const, ratePerSecond: RATE, burst: 5, maxInFlight: 10 };
const consumerVars = {
  ENVIRONMENT: "development",
  PROVIDER_REQUEST_TIMEOUT_MS: "3000",
  PROVIDER_CALL_TIMEOUT_MS: "10000",
  JOB_LEASE_SECONDS: "30",
};
const QUEUES = { jobs: "genqueue-jobs", webhooks: "genqueue-webhooks" };

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

const result: Result = {
  ...newResult("soak"),
  settings: {
    jobs: N,
    providerErrorRates: errorRates,
    providerLimit,
    providerInflightLimit: 10,
    instanceLimit,
    duplicateDelivery: Object.values(QUEUES),
    crashAfterProviderRate: crashRate,
    webhookReceiverDown: {
      startsAfterDeliveries: downAfterDeliveries,
      startsAtTheLatestSecond: downFromS,
      forSeconds: downS,
    },
    jobsQueueMaxBatchSize: batchSize,
    consumerVars,
    deadlineSeconds: deadlineMs / 1000,
  },
};

const apiKey = "bench-ideogram-key-soak";
const fake = await startIdeogramFakeThread({
  apiKey,
  knobs: {
    errorRates,
    rateLimit: providerLimit,
    inflightLimit: 10,
    latencyMs: 20,
    hangMs: num("hang-ms", 1),
    seed: 7,
  },
});
const receiver = await startWebhookReceiver();
const masterKey = generateMasterKey();
const chaos: { crashes: number; duplicates: Record<string, number> } = { crashes: 0, duplicates: {} };
/** Pacing answers the consumer got (bench/workers/trace.ts): what held the jobs back. */
const pacing = {
  grants: 0,
  /** Granted callers that woke too late to call on time and booked again (consumers/src/pacing.ts). */
  rebookings: 0,
  /** Callers that checked in before their token fell due (their isolate's clock ran behind). */
  earlyCheckIns: 0,
  denials: {} as Record<string, number>,
  circuitOpenDenials: [] as number[],
};
const traces: unknown[] = [];
const onLine = (line: string) => {
  const t = tagged<{ kind: string; at: number; reason?: string }>(line, "trace");
  if (t) {
    if (values["trace-out"]) traces.push(t);
    if (t.kind === "grant") pacing.grants++;
    if (t.kind === "rebook") pacing.rebookings++;
    if (t.kind === "early") pacing.earlyCheckIns++;
    if (t.kind === "deny" && t.reason) {
      pacing.denials[t.reason] = (pacing.denials[t.reason] ?? 0) + 1;
      if (t.reason === "circuit_open") pacing.circuitOpenDenials.push(t.at);
    }
  }
  const c = tagged<{ kind: string; queue?: string; count?: number }>(line, "chaos");
  if (c?.kind === "crash_after_provider") chaos.crashes++;
  if (c?.kind === "duplicate" && c.queue)
    chaos.duplicates[c.queue] = (chaos.duplicates[c.queue] ?? 0) + (c.count ?? 0);
};

say(`soak: starting the system with chaos (${N} jobs)...`);
const sys = await startBenchSystem({
  label: "soak",
  workers: [
    { config: "wrangler.producer.toml", vars: { ENVIRONMENT: "development" } },
    {
      config: "wrangler.consumer.toml",
      vars: { ...consumerVars, IDEOGRAM_BASE_URL: fake.url, PROVIDER_KEYS_MASTER_KEY: masterKey },
      wrap: {
        trace: true,
        chaos: {
          duplicateQueues: { [QUEUES.jobs]: "JOBS", [QUEUES.webhooks]: "WEBHOOKS" },
          crashAfterProviderRate: crashRate,
        },
      },
      patch: patchQueueConsumer(QUEUES.jobs, { max_batch_size: batchSize }),
    },
  ],
  seed: (env) =>
    seedTenants(
      env.DB,
      [{ name: "soak", projects: 1, limits: [instanceLimit], providerKeys: { ideogram: apiKey } }],
      masterKey,
    ),
  onLine,
});
const state = new StateReader(sys.persistDir);
const checks: Check[] = [];
try {
  const tenant = sys.seeded.soak!;
  const t0 = Date.now();
  // The receiver goes down once webhooks flow (the first terminal deliveries), or at the latest
  // --webhook-down-from-s after the start, and stays down --webhook-down-s.
  const downFor = downS * 1000;
  const downAt = t0 + downFromS * 1000;
  let downWindow: { from: number; to: number } | null = null;
  const downWatch = setInterval(() => {
    if (downWindow || (receiver.deliveries.length < downAfterDeliveries && Date.now() < downAt)) return;
    downWindow = { from: Date.now() - t0, to: Date.now() - t0 + downFor };
    receiver.setDown(true);
    say(`soak: webhook receiver down for ${downFor / 1000} s`);
    setTimeout(() => {
      receiver.setDown(false);
      say("soak: webhook receiver back up");
    }, downFor).unref();
    clearInterval(downWatch);
  }, 100);
  downWatch.unref();

  say("soak: enqueueing...");
  const ids: string[] = [];
  const client = apiClient(sys.baseUrl, tenant.projects[0]!.apiKey);
  const load = await closedLoop(N, num("concurrency", 1), async (i) => {
    const res = await client.createJob({
      type: "image.generate",
      provider: "ideogram",
      webhook_url: receiver.url,
      input: { prompt: `soak ${i}`, aspect_ratio: "1x1" },
    });
    if (res.status === 202) ids.push(((await res.json()) as { id: string }).id);
    else await res.body?.cancel();
    return { ok: res.status === 202, status: res.status };
  });
  const rejected = load.calls.filter((c) => !c.ok).length;
  say(
    `soak: ${ids.length} accepted (${rejected} rejected) in ${round((load.endedAt - load.startedAt) / 1000, 1)} s; waiting...`,
  );
  let lastPrint = 0;
  const waited = await waitForTerminal(
    state,
    [tenant.instanceId],
    ids.length,
    deadlineMs - (Date.now() - t0),
    (c) => {
      if (Date.now() - lastPrint > 15_000) {
        lastPrint = Date.now();
        say(`soak: ${Math.round((Date.now() - t0) / 1000)} s ${JSON.stringify(c)}`);
      }
    },
  );
  const terminalAt = waited.at;

  // Terminal webhooks: wait until every terminal job has one delivered, or the deadline.
  const jobsById = () =>
    new Map(
      state
        .query<{ id: string; status: string }>(
          "SELECT id, status FROM jobs WHERE instance_id = ?",
          tenant.instanceId,
        )
        .map((r) => [r.id, r.status]),
    );
  const hookDeadline = t0 + deadlineMs;
  for (;;) {
    const perJob = terminalEventsPerJob(receiver.deliveries);
    const missing = ids.filter((id) => !perJob.has(id)).length;
    if (missing === 0 || Date.now() > hookDeadline) break;
    if (Date.now() - lastPrint > 15_000) {
      lastPrint = Date.now();
      say(
        `soak: ${Math.round((Date.now() - t0) / 1000)} s, ${missing} jobs without a delivered terminal webhook yet`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const webhooksDoneAt = Date.now();
  // Late duplicates (copies delivered after the job ended) get a moment to show up.
  await new Promise((r) => setTimeout(r, 5_000));

  const statuses = jobsById();
  const counts: Record<string, number> = {};
  for (const s of statuses.values()) counts[s] = (counts[s] ?? 0) + 1;
  const lost = ids.filter((id) => !statuses.has(id));
  const stuck = ids.filter(
    (id) => statuses.has(id) && !(terminalStatuses as readonly string[]).includes(statuses.get(id)!),
  );
  checks.push({
    name: "every job terminal within the deadline",
    pass: rejected === 0 && lost.length === 0 && stuck.length === 0,
    detail: `${ids.length} accepted, ${rejected} rejected at enqueue, ${lost.length} lost, ${stuck.length} not terminal; ${JSON.stringify(counts)}; all terminal after ${round((terminalAt - t0) / 1000, 1)} s`,
  });

  const imageRows = new Map(
    state
      .query<{ job_id: string; n: number }>(
        "SELECT id AS job_id, json_array_length(images) AS n FROM jobs WHERE instance_id = ? AND images IS NOT NULL",
        tenant.instanceId,
      )
      .map((r) => [r.job_id, r.n]),
  );
  const objects = new Map<string, number>();
  for (const key of state.r2Keys(`${tenant.instanceId}/`)) {
    const jobId = key.split("/")[2] ?? "";
    objects.set(jobId, (objects.get(jobId) ?? 0) + 1);
  }
  const badResults: string[] = [];
  for (const id of ids) {
    const expected = statuses.get(id) === "succeeded" ? 1 : 0;
    if ((imageRows.get(id) ?? 0) !== expected || (objects.get(id) ?? 0) !== expected) badResults.push(id);
  }
  checks.push({
    name: "exactly one result set per succeeded job (none for others)",
    pass: badResults.length === 0,
    detail: `${counts.succeeded ?? 0} succeeded; ${badResults.length} jobs with a wrong number of image rows or R2 objects${badResults.length ? ` (e.g. ${badResults.slice(0, 3).join(", ")})` : ""}`,
  });

  const perJob = terminalEventsPerJob(receiver.deliveries);
  const none = ids.filter((id) => !perJob.has(id)).length;
  const several = ids.filter((id) => (perJob.get(id)?.size ?? 0) > 1).length;
  const byId = new Map<string, number>();
  for (const d of receiver.deliveries) byId.set(d.webhookId, (byId.get(d.webhookId) ?? 0) + 1);
  const redelivered = [...byId.values()].filter((n) => n > 1).length;
  checks.push({
    name: "exactly one terminal webhook event per job (dedup by webhook-id)",
    pass: none === 0 && several === 0,
    detail: `${receiver.deliveries.length} delivery attempts (${receiver.deliveries.filter((d) => d.answered !== 200).length} answered 503 while down), ${byId.size} distinct webhook-ids, ${redelivered} ids seen more than once; jobs with no terminal event: ${none}, with more than one: ${several}`,
  });

  const { stats, loop: fakeLoop } = await fake.stats();
  if (values["trace-out"]) {
    const dump = {
      traces,
      fakeStalls: fakeLoop.stalls,
      callLog: stats.callLog,
    };
    await writeFile(resolve(process.cwd(), values["trace-out"]), JSON.stringify(dump));
  }
  checks.push({
    name: "provider calls over the limit",
    pass: stats.overLimitCalls === 0,
    detail: `${stats.overLimitCalls} over the limit (${stats.overRateCalls} rate, ${stats.overInflightCalls} in flight) of ${stats.generateCalls} generation calls; max in flight ${stats.maxInFlightUnits}`,
  });

  result.figures = {
    accepted: ids.length,
    statuses: counts,
    secondsToAllTerminal: round((terminalAt - t0) / 1000, 1),
    secondsToAllWebhooks: round((webhooksDoneAt - t0) / 1000, 1),
    jobsPerSecond: round(ids.length / ((terminalAt - t0) / 1000), 2),
    provider: {
      generateCalls: stats.generateCalls,
      callsByStatus: stats.callsByStatus,
      callsPerJob: round(stats.generateCalls / Math.max(1, ids.length), 3),
      overLimitCalls: stats.overLimitCalls,
      /** The fake thread's own stalls: a call arriving in one is stamped late, bunched with others. */
      fakeThread: {
        stallsOver25Ms: fakeLoop.stalls.length,
        longestStallMs: fakeLoop.stalls.reduce((m, s) => Math.max(m, s.ms), 0),
        loopDelayP99Ms: round(fakeLoop.delayP99Ms, 1),
      },
    },
    chaos,
    pacing: {
      grants: pacing.grants,
      rebookings: pacing.rebookings,
      earlyCheckIns: pacing.earlyCheckIns,
      denialsByReason: pacing.denials,
      /** Seconds (since the first job was sent) in which some caller was turned away by an open circuit. */
      secondsWithCircuitOpenDenials: new Set(
        pacing.circuitOpenDenials.map((t) => Math.floor((t - t0) / 1000)),
      ).size,
    },
    webhookDeliveries: receiver.deliveries.length,
    webhookReceiverDownMs: downWindow,
    deadLetters: state.query<{ n: number }>(
      "SELECT count(*) AS n FROM dead_letters WHERE instance_id = ?",
      tenant.instanceId,
    )[0]?.n,
  };
} catch (error) {
  result.error = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  console.error(error);
} finally {
  state.close();
  if (values.log) await writeFile(resolve(process.cwd(), values.log), sys.output());
  await sys.stop();
  await receiver.close();
  await fake.close();
}

result.checks = checks;
// A caught error fails the run even when every check that got pushed passed.
result.pass = checks.length > 0 && checks.every((c) => c.pass) && result.error === undefined;
const file = await finishResult(resolve(process.cwd(), String(values.out)), result);
updateBenchReadme(resolve(process.cwd(), String(values.out)));
if (!values.quiet) {
  console.log("");
  for (const c of checks) console.log(`${c.pass ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}`);
  console.log(
    `\nsoak: ${result.pass ? "all checks passed" : "FAILED"}; figures ${JSON.stringify(result.figures)}`,
  );
}
console.log(`soak: results written to ${file}`);
process.exit(result.pass ? 0 : 1);
