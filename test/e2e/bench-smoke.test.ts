// Smoke versions of `npm run bench` and `npm run soak`: tiny sizes, results written to a temporary
// folder (never bench/results), and the JSON they leave checked for sane fields. The figures
// themselves are not judged here: on a shared 2-core machine they are whatever they are.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killGroup } from "../../scripts/lib/processes";

const ROOT = resolve(import.meta.dirname, "../..");
const TSX_CLI = join(ROOT, "node_modules/tsx/dist/cli.mjs");

let out: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "genqueue-bench-smoke-"));
});

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

function run(
  script: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: undefined, VITEST: undefined };
    env.PATH = `${join(ROOT, "node_modules/.bin")}:${process.env.PATH ?? ""}`;
    const child = spawn(process.execPath, [TSX_CLI, script, ...args, "--out", out, "--quiet"], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killGroup(child.pid, "SIGKILL");
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolveRun({ code, output: output.slice(-6000) });
    });
  });
}

// biome-ignore lint/suspicious/noExplicitAny: the result files are untyped JSON, read field by field
async function result(kind: string): Promise<Record<string, any>> {
  const files = (await readdir(out)).filter((f) => f.startsWith(`${kind}-`) && f.endsWith(".json"));
  expect(files).toHaveLength(1);
  const latest = JSON.parse(await readFile(join(out, "latest.json"), "utf8"));
  expect(latest[kind].file).toBe(files[0]);
  return JSON.parse(await readFile(join(out, files[0]!), "utf8"));
}

const finite = (n: unknown) => typeof n === "number" && Number.isFinite(n);

describe("bench and soak smoke runs", () => {
  it("npm run bench with tiny sizes writes every section of the result", async () => {
    const { output } = await run(
      "bench/run.ts",
      [
        "--rate=5",
        "--backlog-factor=2",
        "--pacing-scenarios=one_instance",
        "--jobs=30",
        "--concurrency=5",
        "--latency-rate=5",
        "--latency-seconds=2",
        "--latency-backlog=10",
        "--cost-jobs=5",
        "--startup-runs=1",
        "--deadline-s=120",
      ],
      280_000,
    );
    const r = await result("bench");
    expect(r.error, output).toBeUndefined();
    expect(r.machine.nproc).toBeGreaterThan(0);
    expect(r.machine.wrangler).toMatch(/^\d+\./);

    const [pacing] = r.pacing.scenarios;
    expect(pacing.jobs).toBe(10);
    expect(pacing.statuses.succeeded).toBe(10);
    expect(pacing.accounts[0].calls).toBeGreaterThanOrEqual(10);
    expect(finite(pacing.accounts[0].ratio)).toBe(true);
    expect(finite(pacing.accounts[0].overLimitCalls)).toBe(true);

    const { genqueue, floor, baseline, ratioToFloor, ratioToBaseline } = r.throughput;
    expect(genqueue.completed).toBe(30);
    expect(floor.completed).toBe(30);
    expect(baseline.completed).toBe(30);
    expect(genqueue.webhookDeliveries).toBe(30);
    expect(floor.webhookDeliveries).toBe(30);
    expect(genqueue.jobsPerSecond).toBeGreaterThan(0);
    expect(floor.jobsPerSecond).toBeGreaterThan(0);
    expect(baseline.jobsPerSecond).toBeGreaterThan(0);
    expect(finite(ratioToFloor)).toBe(true);
    expect(finite(ratioToBaseline)).toBe(true);

    expect(r.latency).toHaveLength(1);
    expect(r.latency[0].enqueue.calls).toBe(10);
    expect(r.latency[0].statusGet.calls).toBe(10);
    expect(r.latency[0].enqueue.latencyMs.p99).toBeGreaterThan(0);

    expect(r.cost.jobs).toBe(5);
    expect(r.cost.statuses.succeeded).toBe(5);
    expect(r.cost.model.perJob.worker_requests).toBeGreaterThanOrEqual(1);
    expect(r.cost.model.perJob.d1_rows_written).toBeGreaterThan(0);
    expect(r.cost.model.perJob.r2_class_a).toBeGreaterThanOrEqual(1);
    expect(r.cost.model.perJob.do_requests).toBeGreaterThanOrEqual(1);
    expect(r.cost.model.countedUsdPerMillionJobs).toBeGreaterThan(0);
    const { summary, ops } = r.cost.operations;
    expect(ops[0]).toMatchObject({ kind: "worker", name: "fetch POST /v1/jobs" });
    expect(summary.d1Statements).toBeGreaterThan(0);
    expect(summary.queueMessagesSent).toBeGreaterThanOrEqual(2);
    expect(summary.r2ClassA).toBeGreaterThanOrEqual(1);

    expect(r.bundles.map((b: { worker: string }) => b.worker)).toEqual([
      "genqueue-producer",
      "genqueue-consumer",
    ]);
    for (const b of r.bundles) {
      expect(b.bytes).toBeGreaterThan(b.gzipBytes);
      expect(b.gzipBytes).toBeGreaterThan(0);
      expect(b.startupMs.runs).toHaveLength(1);
      expect(b.startupMs.median).toBeGreaterThan(0);
    }
  }, 300_000);

  it("npm run soak with tiny sizes writes its checks and figures", async () => {
    const { output } = await run(
      "bench/soak.ts",
      ["--jobs=20", "--webhook-down-from-s=1", "--webhook-down-s=2", "--deadline-s=200"],
      280_000,
    );
    const r = await result("soak");
    expect(r.error, output).toBeUndefined();
    expect(r.settings.jobs).toBe(20);
    expect(r.checks).toHaveLength(4);
    for (const c of r.checks) expect(typeof c.pass).toBe("boolean");
    expect(r.figures.accepted).toBe(20);
    const statuses = Object.values(r.figures.statuses as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(statuses).toBe(20);
    expect(r.figures.provider.generateCalls).toBeGreaterThanOrEqual(20);
    expect(r.figures.chaos.duplicates["genqueue-jobs"]).toBeGreaterThanOrEqual(20);
    expect(typeof r.pass).toBe("boolean");
  }, 300_000);
});
