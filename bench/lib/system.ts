// Starts a local system for a bench run: both Workers in one `wrangler dev` session, as `npm start`
// runs them, with three differences that keep the figures honest on a shared checkout:
//   - each Worker is bundled once, up front (`wrangler deploy --dry-run`), into a temporary
//     directory, and `wrangler dev` serves those bundles (`no_bundle`): another engineer editing a
//     source file mid-run cannot make wrangler reload (which would drop the in-memory queues);
//   - vars (provider base URLs and keys, timeouts, bench-only switches) go into the generated
//     configs, never into the shared .local/dev.env;
//   - the entries may be wrapped for metering or fault injection (bench/lib/entries.ts).
// Migrations and seeding run against the run's own persisted state before wrangler dev starts.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { experimental_readRawConfig, getPlatformProxy } from "wrangler";
import { type Wrap, wrappedEntrySource } from "./entries";
import { freePort, groupAlive, killGroup } from "../../scripts/lib/processes";

const ROOT = resolve(import.meta.dirname, "../..");
const WRANGLER_CLI = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const NODE = join(ROOT, "node_modules/.bin/node");
const OUTPUT_LIMIT = 512 * 1024;
const BUILD_ATTEMPTS = 4;

export interface WorkerSpec {
  /** Wrangler config, relative to the repository root. */
  config: string;
  vars?: Record<string, string>;
  wrap?: Wrap;
  /** Changes to the raw config before it is bundled and served (batch settings, for example). */
  patch?: (raw: RawConfig) => void;
}

export interface StartOptions<Seeded> {
  /** Used in the temporary directory's name. */
  label: string;
  /** The first Worker is the one served on the port (the producer). */
  workers: WorkerSpec[];
  /** Runs once, after the migrations, against the persisted D1 of the run. */
  seed?: (env: { DB: D1Database }) => Promise<Seeded>;
  /** Told every line wrangler (and the Workers' console) prints. */
  onLine?: (line: string) => void;
}

export interface BenchSystem<Seeded> {
  baseUrl: string;
  seeded: Seeded;
  /** Folder of the persisted state (D1, R2, DO) while the system runs. */
  persistDir: string;
  output(): string;
  /** Stops wrangler (whole process group) and removes the temporary directory. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs the repository's wrangler (under the project's Node) to completion; throws on failure. */
export function wrangler(args: string[], cwd: string): void {
  const run = spawnSync(NODE, [WRANGLER_CLI, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  if (run.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${run.stdout}\n${run.stderr}`);
}

/**
 * `wrangler deploy --dry-run -c <config> <args>`. The tree is shared with other engineers: a
 * build caught mid-edit is tried again a few times.
 */
export async function dryRunBuild(config: string, args: string[], cwd: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      wrangler(["deploy", "--dry-run", "-c", config, ...args], cwd);
      return;
    } catch (error) {
      if (attempt >= BUILD_ATTEMPTS) throw error;
      console.warn(`bench: building ${config} failed (attempt ${attempt}), trying again in 5 s`);
      await sleep(5_000);
    }
  }
}

export type RawConfig = Record<string, unknown> & {
  name: string;
  main?: string;
  vars?: Record<string, unknown>;
  d1_databases?: { migrations_dir?: string }[];
  assets?: { directory?: string };
  build?: { command?: string; cwd?: string; watch_dir?: string | string[] };
  durable_objects?: { bindings?: { class_name: string; script_name?: string }[] };
  queues?: { producers?: { binding: string; queue: string }[]; consumers?: QueueConsumerConfig[] };
};

export interface QueueConsumerConfig {
  queue: string;
  max_batch_size?: number;
  max_batch_timeout?: number;
  max_retries?: number;
  dead_letter_queue?: string;
}

/** A config patch merging settings (batch size and timeout, say) into one queue's consumer. */
export const patchQueueConsumer =
  (queue: string, settings: Partial<QueueConsumerConfig>) =>
  (raw: RawConfig): void => {
    for (const c of raw.queues?.consumers ?? []) if (c.queue === queue) Object.assign(c, settings);
  };

/** The raw (parsed, unvalidated) wrangler config of a repository config file. */
export function readConfig(config: string): RawConfig {
  const { rawConfig } = experimental_readRawConfig({ config: resolve(ROOT, config) }) as unknown as {
    rawConfig: RawConfig;
  };
  return rawConfig;
}

/** Bundles one Worker (wrapped when asked) and writes the config wrangler dev will serve. */
async function prepareWorker(spec: WorkerSpec, dir: string, index: number): Promise<string> {
  const base = dirname(resolve(ROOT, spec.config));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const raw: RawConfig = structuredClone(readConfig(spec.config));
  spec.patch?.(raw);
  if (!raw.main) throw new Error(`${spec.config} has no main`);
  for (const db of raw.d1_databases ?? []) if (db.migrations_dir) db.migrations_dir = abs(db.migrations_dir);
  // The config moves to a temporary folder: its paths stay the repository's.
  if (raw.assets?.directory) raw.assets.directory = abs(raw.assets.directory);
  if (raw.build?.command) raw.build = { ...raw.build, cwd: abs(raw.build.cwd ?? "."), watch_dir: undefined };

  const workDir = join(dir, `w${index}-${raw.name}`);
  let main = abs(raw.main);
  if (spec.wrap && (spec.wrap.meter || spec.wrap.chaos || spec.wrap.trace)) {
    const ownClasses = (raw.durable_objects?.bindings ?? [])
      .filter((b) => !b.script_name)
      .map((b) => b.class_name);
    const queues = Object.fromEntries((raw.queues?.producers ?? []).map((p) => [p.binding, p.queue]));
    main = join(dir, `entry-${raw.name}.ts`);
    await writeFile(
      main,
      wrappedEntrySource(abs(raw.main), raw.name, spec.wrap, [...new Set(ownClasses)], queues),
    );
  }
  const buildConfig = join(dir, `build-${raw.name}.json`);
  await writeFile(buildConfig, JSON.stringify({ ...raw, main }, null, 2));
  await dryRunBuild(buildConfig, ["--outdir", workDir], dir);

  // Served from the bundle: nothing of the source tree is watched any more.
  const bundle = (await readdir(workDir)).find((f) => f.endsWith(".js"));
  if (!bundle) throw new Error(`wrangler wrote no bundle for ${spec.config} into ${workDir}`);
  const devConfig = join(workDir, "wrangler.json");
  const vars = { ...(raw.vars ?? {}), ...(spec.vars ?? {}) };
  await writeFile(
    devConfig,
    // The build ran for the bundle above; served as built, nothing runs it again.
    JSON.stringify({ ...raw, build: undefined, main: join(workDir, bundle), no_bundle: true, vars }, null, 2),
  );
  return devConfig;
}

async function waitForHealth(baseUrl: string, child: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `wrangler dev exited (${child.exitCode ?? child.signalCode}):\n${output().slice(-4000)}`,
      );
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
      last = `${res.status}`;
      if (res.status === 200) return;
    } catch (error) {
      last = String(error);
    }
    await sleep(250);
  }
  throw new Error(
    `${baseUrl}/health did not answer 200 in ${timeoutMs} ms (last: ${last}):\n${output().slice(-4000)}`,
  );
}

export async function startBenchSystem<Seeded = undefined>(
  opts: StartOptions<Seeded>,
): Promise<BenchSystem<Seeded>> {
  const dir = await mkdtemp(join(tmpdir(), `genqueue-bench-${opts.label}-`));
  const persistDir = join(dir, "state");
  let child: ChildProcess | undefined;
  let log = "";
  const cleanup = async () => {
    const pid = child?.pid;
    if (pid !== undefined) {
      killGroup(pid, "SIGTERM");
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && groupAlive(pid)) await sleep(100);
      if (groupAlive(pid)) killGroup(pid, "SIGKILL");
    }
    if (!process.env.BENCH_KEEP_TMP) await rm(dir, { recursive: true, force: true });
  };
  const onExit = () => {
    if (child?.pid !== undefined) killGroup(child.pid, "SIGKILL");
  };
  // Interrupted (Ctrl-C, a test's timeout): take wrangler and workerd down too, then leave.
  const onSignal = (signal: NodeJS.Signals) => {
    onExit();
    rmSync(dir, { recursive: true, force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };

  try {
    const configs: string[] = [];
    for (const [i, spec] of opts.workers.entries()) configs.push(await prepareWorker(spec, dir, i));
    const primaryConfig = configs[0]!;

    const hasD1 = opts.workers.some((w) => (readConfig(w.config).d1_databases ?? []).length > 0);
    let seeded = undefined as Seeded;
    if (hasD1) {
      wrangler(
        ["d1", "migrations", "apply", "DB", "--local", "-c", primaryConfig, "--persist-to", persistDir],
        dir,
      );
      if (opts.seed) {
        const proxy = await getPlatformProxy<{ DB: D1Database }>({
          configPath: primaryConfig,
          persist: { path: join(persistDir, "v3") },
        });
        try {
          seeded = await opts.seed(proxy.env);
        } finally {
          await proxy.dispose();
        }
      }
    }

    const port = await freePort();
    const inspectorPort = await freePort();
    const args = [WRANGLER_CLI, "dev", ...configs.flatMap((c) => ["-c", c])];
    args.push("--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort));
    args.push("--persist-to", persistDir, "--show-interactive-dev-session=false");
    child = spawn(NODE, args, {
      cwd: dir,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", FORCE_COLOR: "0" },
    });
    process.once("exit", onExit);
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    let partial = "";
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      log += text;
      if (log.length > OUTPUT_LIMIT) log = log.slice(-OUTPUT_LIMIT);
      if (!opts.onLine) return;
      partial += text;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) opts.onLine(line);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);

    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHealth(baseUrl, child, () => log, 90_000);
    return {
      baseUrl,
      seeded,
      persistDir,
      output: () => log,
      stop: async () => {
        process.off("exit", onExit);
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await cleanup();
      },
    };
  } catch (error) {
    process.off("exit", onExit);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanup();
    throw error;
  }
}
