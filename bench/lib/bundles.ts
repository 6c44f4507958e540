// Bundle size and start-up time of each Worker as it would deploy: the repository's own config
// (no bench wrapper) built by `wrangler deploy --dry-run --outdir` (what `npm run deploy:dry-run`
// does), then `wrangler check startup` on that same build, which runs the Worker's start-up
// (compiling the bundle and running its top-level code) in a local workerd under the CPU
// profiler. The start-up figure is the profile's active time as wrangler sums it: sampled time
// that is not idle, garbage collection included. It is this machine's CPU, not Cloudflare's, and
// a shared machine is noisy, so each Worker is profiled a few times and the median is kept.
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { dryRunBuild, readConfig, wrangler } from "./system";
import { round } from "./stats";

const ROOT = resolve(import.meta.dirname, "../..");

export interface BundleFigures {
  worker: string;
  config: string;
  /** The modules wrangler would upload (source maps and its README left out). */
  modules: string[];
  bytes: number;
  /** The modules concatenated and gzipped (zlib's default level, as wrangler reports it). */
  gzipBytes: number;
  startupMs: { median: number; runs: number[] };
}

interface CpuProfile {
  nodes?: { id: number; callFrame?: { functionName?: string } }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Active time of a V8 CPU profile in ms: every sample's time but the idle ones (wrangler's sum). */
export function activeMs(profile: CpuProfile): number {
  const names = new Map((profile.nodes ?? []).map((n) => [n.id, n.callFrame?.functionName]));
  const samples = profile.samples ?? [];
  let active = 0;
  for (const [i, delta] of (profile.timeDeltas ?? []).entries())
    if (names.get(samples[i] ?? -1) !== "(idle)") active += delta;
  return active / 1000;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function measure(config: string, dir: string, startupRuns: number): Promise<BundleFigures> {
  const abs = resolve(ROOT, config);
  const worker = readConfig(config).name;
  const outdir = join(dir, worker);
  const bundle = join(dir, `${worker}.bundle`);
  // From the repository: a config's [build] command (the producer's asset copy) runs where it lives.
  await dryRunBuild(abs, ["--outdir", outdir, "--outfile", bundle], ROOT);
  const modules = readdirSync(outdir)
    .filter((f) => !f.endsWith(".map") && f !== "README.md")
    .sort();
  const bytes = Buffer.concat(modules.map((f) => readFileSync(join(outdir, f))));
  const runs: number[] = [];
  for (let i = 0; i < startupRuns; i++) {
    const profile = join(dir, `${worker}-${i}.cpuprofile`);
    wrangler(["check", "startup", "-c", abs, "--workerBundle", bundle, "--outfile", profile], dir);
    runs.push(round(activeMs(JSON.parse(readFileSync(profile, "utf8")) as CpuProfile), 1));
  }
  return {
    worker,
    config,
    modules,
    bytes: bytes.byteLength,
    gzipBytes: gzipSync(bytes).byteLength,
    startupMs: { median: round(median(runs), 1), runs },
  };
}

/** Builds and profiles each config (relative to the repository root) in a temporary folder. */
export async function measureBundles(configs: string[], startupRuns: number): Promise<BundleFigures[]> {
  const dir = await mkdtemp(join(tmpdir(), "genqueue-bench-bundles-"));
  try {
    const out: BundleFigures[] = [];
    for (const config of configs) out.push(await measure(config, dir, startupRuns));
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
