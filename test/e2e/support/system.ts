// The real local system, started the way a user starts it (`npm start` = scripts/start.ts):
// migrations, the dev tenant, both Workers in one `wrangler dev` session, on a free port with its
// own state directory. Start it once per test file (beforeAll); it takes several seconds.
//
// By default the system runs from a snapshot of the working tree taken at start (node_modules
// linked, not copied): `wrangler dev` reloads on every source change, and a reload drops the
// local queue's in-flight messages, so an edit made elsewhere while the suite runs would strand
// jobs. E2E_IN_PLACE=1 runs in the repository itself instead.
//
//   const sys = await startSystem();
//   const res = await sys.api("/v1/jobs", { method: "POST", body: JSON.stringify(body) });
//   const job = await sys.pollJob(id, (j) => j.status === "succeeded", 30_000);
//   await sys.stop();
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { freePort, groupAlive, killGroup } from "../../../scripts/lib/processes";
import { allProviderEnvVars } from "../../../shared/providers/registry";

const ROOT = resolve(import.meta.dirname, "../../..");
const TSX_CLI = join(ROOT, "node_modules/tsx/dist/cli.mjs");
/** Top-level entries not copied into the snapshot (node_modules is linked instead). */
const NOT_COPIED = new Set(["node_modules", ".git", ".wrangler", ".local", "dist"]);
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_LIMIT = 256 * 1024;
/** What `wrangler dev` prints when a watched source file changed: in-memory queue messages are lost. */
const RELOAD_MARKER = "Reloading local server";
const BUILD_FAILED = "Build failed";
/** Variables start.ts passes through to the consumer (from the registry): a developer's real keys must not leak in. */
const PASS_THROUGH = new Set(allProviderEnvVars());

/** The parts of a job (GET /v1/jobs/{id}) these tests read. */
export interface ApiJob {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed" | "canceled" | "dead_lettered";
  attempts: number;
  provider: string | null;
  request_id: string;
  error: { code: string; message: string } | null;
  result: {
    images: {
      url: string;
      content_type: string;
      width: number;
      height: number;
      bytes: number;
      seed: number | null;
    }[];
    model: string | null;
    text?: { content: string | null; url: string; finish_reason: string } | null;
    usage?: { input_tokens: number; output_tokens: number; total_tokens: number } | null;
  } | null;
}

export interface ApiEvent {
  version: number;
  type: string;
  status: string;
  data: Record<string, unknown> | null;
  created_at: string;
}

export interface System {
  baseUrl: string;
  /** The wrangler persist directory and the tree it runs from (to reach local D1 from a test). */
  persistDir: string;
  cwd: string;
  apiKey: string;
  adminKey: string;
  /** The dev project's webhook signing secret, as the dev tenant seed wrote it (D1 holds it encrypted). */
  webhookSecret: string | undefined;
  /** fetch against the API with the dev user key (Bearer) and a JSON content type for bodies. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Polls GET /v1/jobs/{id} until `predicate` holds; throws (with the job and the log tail) on timeout. */
  pollJob(id: string, predicate: (job: ApiJob) => boolean, timeoutMs?: number): Promise<ApiJob>;
  /** Everything the system printed so far (last 256 KiB). */
  output(): string;
  /** True when wrangler reloaded (a source file changed while the system ran). */
  reloaded(): boolean;
  /**
   * Stops `npm start` (the whole process group) and starts it again on the same port, state and
   * keys, as a developer restarting it would; in-memory queue messages are lost on the way.
   */
  restart(): Promise<void>;
  /** Kills the whole process group (tsx, wrangler, workerd) and removes the state directory. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function childEnv(
  port: number,
  persistDir: string,
  credentialsPath: string,
  extra: Record<string, string>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!PASS_THROUGH.has(name)) env[name] = value;
  return {
    ...env,
    // wrangler needs Node >= 22.12: node_modules/.bin holds the project's Node 22.
    PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
    PORT: String(port),
    PERSIST_DIR: persistDir,
    CREDENTIALS_PATH: credentialsPath,
    DEFAULT_PROVIDER: "demo",
    WRANGLER_SEND_METRICS: "false",
    ...extra,
    // Not vitest's own NODE_ENV=test and friends: the system runs as it would for a user.
    NODE_ENV: undefined,
    VITEST: undefined,
    VITEST_POOL_ID: undefined,
    VITEST_WORKER_ID: undefined,
  };
}

/** Copies the working tree (sources, configs, migrations) to `dir` and links node_modules. */
async function snapshotTree(dir: string): Promise<void> {
  await cp(ROOT, dir, {
    recursive: true,
    filter: (source) => {
      const top = relative(ROOT, source).split(/[\\/]/)[0] ?? "";
      return !NOT_COPIED.has(top) && !relative(ROOT, source).startsWith(join("bench", "results"));
    },
  });
  await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
}

async function waitForHealth(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `scripts/start.ts exited (${child.exitCode ?? child.signalCode}) before /health answered:\n${output()}`,
      );
    }
    // wrangler keeps running (and holds requests) after a failed build, waiting for a fix.
    if (output().includes(BUILD_FAILED)) {
      throw new Error(`wrangler could not build the Workers from the working tree:\n${output()}`);
    }
    const giveUp = new AbortController();
    const watch = setInterval(() => {
      if (output().includes(BUILD_FAILED)) giveUp.abort();
    }, 200);
    try {
      // The first request also builds both Workers: it can take several seconds.
      const res = await fetch(`${baseUrl}/health`, {
        signal: AbortSignal.any([giveUp.signal, AbortSignal.timeout(15_000)]),
      });
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return;
    } catch (error) {
      last = String(error);
    } finally {
      clearInterval(watch);
    }
    await sleep(250);
  }
  throw new Error(
    `GET ${baseUrl}/health did not answer 200 within ${START_TIMEOUT_MS} ms (last: ${last}):\n${output()}`,
  );
}

export interface StartOptions {
  /** Extra environment for `npm start`, e.g. a provider's base URL and key pointing at a fake. */
  env?: Record<string, string>;
  /**
   * State and keys where `npm start` keeps them by default, inside the snapshot
   * (`.wrangler/state`, `.local/dev-credentials.json`), so commands run in `cwd` with no
   * PERSIST_DIR / CREDENTIALS_PATH find them, as a reader's would (npm run docs:check).
   * Never in place: it would overwrite the repository's own dev state.
   */
  readerPaths?: boolean;
}

export async function startSystem(options: StartOptions = {}): Promise<System> {
  const dir = await mkdtemp(join(tmpdir(), "genqueue-e2e-"));
  const inPlace = process.env.E2E_IN_PLACE === "1" && !options.readerPaths;
  const cwd = inPlace ? ROOT : join(dir, "tree");
  const persistDir = options.readerPaths ? join(cwd, ".wrangler/state") : join(dir, "state");
  const credentialsPath = options.readerPaths
    ? join(cwd, ".local/dev-credentials.json")
    : join(dir, "credentials.json");
  if (!inPlace) {
    await snapshotTree(cwd).catch(async (error: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw error;
    });
  }
  const port = await freePort();
  // The address start.ts prints (wrangler listens on localhost).
  const baseUrl = `http://localhost:${port}`;

  let log = "";
  const append = (chunk: Buffer) => {
    log += chunk.toString("utf8");
    if (log.length > OUTPUT_LIMIT) log = log.slice(-OUTPUT_LIMIT);
  };
  let reloads = 0;
  const output = () => log;

  // detached: the child leads a new process group, so stop() reaches wrangler and workerd too.
  const launch = () => {
    const started = spawn(process.execPath, [TSX_CLI, join(cwd, "scripts/start.ts")], {
      cwd,
      env: childEnv(port, persistDir, credentialsPath, options.env ?? {}),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    started.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.includes(RELOAD_MARKER)) reloads++;
      append(chunk);
    });
    started.stderr?.on("data", append);
    return started;
  };
  let child = launch();
  if (child.pid === undefined) {
    await rm(dir, { recursive: true, force: true });
    throw new Error("could not spawn scripts/start.ts");
  }
  let pid = child.pid;
  // If the test process dies without stop(), do not leave a wrangler/workerd behind.
  const onExit = () => killGroup(pid, "SIGKILL");
  process.once("exit", onExit);

  const killChild = async () => {
    killGroup(pid, "SIGTERM");
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
    if (groupAlive(pid)) {
      killGroup(pid, "SIGKILL");
      while (groupAlive(pid) && Date.now() < deadline + 5_000) await sleep(100);
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", onExit);
    await killChild();
    await rm(dir, { recursive: true, force: true });
  };

  const startedUp = async () => {
    try {
      await waitForHealth(baseUrl, child, output);
    } catch (error) {
      await stop();
      throw error;
    }
  };
  await startedUp();
  const restart = async () => {
    await killChild();
    child = launch();
    if (child.pid === undefined) throw new Error("could not spawn scripts/start.ts again");
    pid = child.pid;
    await startedUp();
    reloads = 0;
  };
  // Reloads during start-up (wrangler's own first build) do not matter: nothing was queued yet.
  reloads = 0;

  const credentials = JSON.parse(await readFile(credentialsPath, "utf8")) as {
    api_key: string;
    admin_key: string;
    webhook_secret?: string;
  };

  const api = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${credentials.api_key}`);
    if (init.body !== undefined && !headers.has("content-type"))
      headers.set("content-type", "application/json");
    return fetch(`${baseUrl}${path}`, { ...init, headers });
  };

  const pollJob = async (id: string, predicate: (job: ApiJob) => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let job: ApiJob | undefined;
    while (Date.now() < deadline) {
      const res = await api(`/v1/jobs/${id}`);
      if (res.status !== 200)
        throw new Error(`GET /v1/jobs/${id} answered ${res.status}: ${await res.text()}`);
      job = (await res.json()) as ApiJob;
      if (predicate(job)) return job;
      await sleep(200);
    }
    const hint =
      reloads > 0
        ? `\nwrangler reloaded ${reloads} time(s) during the run (a source file changed): queued messages were lost.`
        : "";
    throw new Error(
      `job ${id} did not reach the expected state within ${timeoutMs} ms; last seen: ${JSON.stringify(job)}${hint}\n--- system output (tail) ---\n${log.slice(-8000)}`,
    );
  };

  return {
    baseUrl,
    persistDir,
    cwd,
    apiKey: credentials.api_key,
    adminKey: credentials.admin_key,
    webhookSecret: credentials.webhook_secret,
    api,
    pollJob,
    output,
    reloaded: () => reloads > 0,
    restart,
    stop,
  };
}
