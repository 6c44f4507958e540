// `npm start`: applies the D1 migrations locally, seeds the dev tenant, runs both Workers in one
// `wrangler dev` session (state persisted under .wrangler/state), prints a short banner once the
// API answers, re-sends what a restart lost and runs the consumer's cron locally (wrangler dev
// fires none). Output is filtered to one line per request or job event (scripts/lib/dev-log.ts);
// `npm start -- --verbose` shows everything wrangler prints.
//   PORT                      port of the API (default 8787)
//   PERSIST_DIR               where local D1/R2/DO state lives (default .wrangler/state)
//   CREDENTIALS_PATH          where the dev tenant's keys are written (default .local/dev-credentials.json)
//   <PROVIDER>_API_KEY / _BASE_URL / _MODEL, DEFAULT_PROVIDER   passed through to the consumer
//                             (every provider in shared/providers/registry.ts)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { experimental_readRawConfig, getPlatformProxy } from "wrangler";
import { generateMasterKey } from "../shared/providers/keys/crypto";
import { allProviderEnvVars } from "../shared/providers/registry";
import { createDevLogFilter } from "./lib/dev-log";
import { banner, migrationSummary, resendLostMessages, startLocalCron, waitForApi } from "./lib/dev-session";
import { seedDevTenant } from "./lib/dev-tenant";
import { collectLostJobs } from "./lib/recover-lost-jobs";
import { createDb } from "../shared/db/client";

const root = resolve(import.meta.dirname, "..");
const port = Number(process.env.PORT ?? 8787);
const persistDir = resolve(root, process.env.PERSIST_DIR ?? ".wrangler/state");
const credentialsPath = resolve(root, process.env.CREDENTIALS_PATH ?? ".local/dev-credentials.json");
const wrangler = resolve(root, "node_modules/.bin/wrangler");
const verbose = process.argv.includes("--verbose");
const sessionStartedAt = Date.now();
/**
 * wrangler's own output settings: no version banner (nor its npm update check) unless --verbose,
 * and no fetch of the `Request.cf` object from workers.cloudflare.com (offline it fails with a
 * `getaddrinfo ENOTFOUND` trace; the placeholder serves local development). Explicit values win.
 */
const wranglerEnv = {
  ...process.env,
  ...(verbose ? {} : { WRANGLER_HIDE_BANNER: "true" }),
  CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
  WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? "false",
};

/** The dev master key of provider keys: made once, kept in .local/ so stored keys stay readable. */
function devMasterKey(): string {
  const path = resolve(root, ".local/provider-keys-master.key");
  if (!existsSync(path)) {
    mkdirSync(resolve(root, ".local"), { recursive: true });
    writeFileSync(path, `${generateMasterKey()}\n`, { mode: 0o600 });
  }
  return readFileSync(path, "utf8").trim();
}

function passThroughEnvFile(): string {
  // Every provider's vars, from the registry: a new provider's are passed through with no edit here.
  const passed = new Set([...allProviderEnvVars(), "PROVIDER_KEYS_MASTER_KEY"]);
  const names = Object.keys(process.env).filter((k) => passed.has(k));
  mkdirSync(resolve(root, ".local"), { recursive: true });
  const path = resolve(root, ".local/dev.env");
  const lines = ["ENVIRONMENT=development", ...names.map((k) => `${k}=${JSON.stringify(process.env[k])}`)];
  if (!names.includes("PROVIDER_KEYS_MASTER_KEY"))
    lines.push(`PROVIDER_KEYS_MASTER_KEY=${JSON.stringify(devMasterKey())}`);
  writeFileSync(path, lines.join("\n"), { mode: 0o600 });
  return path;
}

// CI=true: apply without the confirmation prompt (wrangler's non-interactive mode).
const migrate = spawnSync(
  wrangler,
  ["d1", "migrations", "apply", "DB", "--local", "-c", "wrangler.producer.toml", "--persist-to", persistDir],
  { cwd: root, stdio: verbose ? "inherit" : "pipe", encoding: "utf8", env: { ...wranglerEnv, CI: "true" } },
);
if (migrate.status !== 0) {
  if (!verbose) process.stderr.write(`${migrate.stdout ?? ""}${migrate.stderr ?? ""}`);
  process.exit(migrate.status ?? 1);
}
if (!verbose) console.log(migrationSummary(migrate.stdout ?? ""));

const proxy = await getPlatformProxy<{ DB: D1Database }>({
  configPath: resolve(root, "wrangler.producer.toml"),
  // wrangler keeps its state under <persist-to>/v3; the proxy takes that inner folder.
  persist: { path: resolve(persistDir, "v3") },
});
const credentials = await seedDevTenant(
  proxy.env.DB,
  credentialsPath,
  `http://localhost:${port}`,
  process.env.PROVIDER_KEYS_MASTER_KEY ?? devMasterKey(),
);
// The jobs the last session left queued lost their messages with its in-memory queues. They are
// found now, before the session opens the same local D1 (two processes writing it at once get
// SQLITE_BUSY), and their messages sent once it answers.
const lostJobs = await collectLostJobs(createDb(proxy.env.DB), sessionStartedAt, Date.now());
await proxy.dispose();

/**
 * `wrangler dev` hands --env-file to the first config's Worker only; a second config's Worker reads
 * `.dev.vars` beside its own config. So the consumer runs from a copy of its config made at every
 * start (paths absolute) in .wrangler/dev-consumer/, with the same dev vars in a `.dev.vars` there:
 * otherwise it would run as ENVIRONMENT=production without the provider keys and the master key.
 */
const { rawConfig: consumerConfig } = experimental_readRawConfig({
  config: resolve(root, "wrangler.consumer.toml"),
}) as {
  rawConfig: { main: string; d1_databases?: { migrations_dir?: string }[]; triggers?: { crons?: string[] } };
};

function consumerDevConfig(envFile: string): string {
  const rawConfig = consumerConfig;
  const config = {
    ...rawConfig,
    main: resolve(root, rawConfig.main),
    d1_databases: rawConfig.d1_databases?.map((db) =>
      db.migrations_dir ? { ...db, migrations_dir: resolve(root, db.migrations_dir) } : db,
    ),
  };
  // Under .wrangler/: ignored by git and by biome, like wrangler's own build output.
  const dir = resolve(root, ".wrangler/dev-consumer");
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, ".dev.vars"), readFileSync(envFile), { mode: 0o600 });
  writeFileSync(resolve(dir, "wrangler.json"), `${JSON.stringify(config, null, 2)}\n`);
  return resolve(dir, "wrangler.json");
}

const envFile = passThroughEnvFile();
const dev = spawn(
  wrangler,
  [
    "dev",
    "-c",
    "wrangler.producer.toml",
    "-c",
    consumerDevConfig(envFile),
    "--port",
    String(port),
    "--persist-to",
    persistDir,
    "--env-file",
    envFile,
    "--show-interactive-dev-session=false",
    ...(process.env.WRANGLER_LOG_LEVEL ? ["--log-level", process.env.WRANGLER_LOG_LEVEL] : []),
  ],
  { cwd: root, stdio: verbose ? "inherit" : ["inherit", "pipe", "pipe"], env: wranglerEnv },
);

const localCron = {
  configPath: resolve(root, "wrangler.producer.toml"),
  persistPath: resolve(persistDir, "v3"),
  print: (line: string) => console.log(line),
};
let ready = false;
let exited = false;

/**
 * A reload (a watched source file changed) empties the local queues too: once the API answers
 * again, the messages of jobs queued before it are re-sent, as after a restart.
 */
function onReload(): void {
  const since = Date.now();
  if (!ready) return;
  void (async () => {
    await new Promise((r) => setTimeout(r, 1000));
    if (await waitForApi(credentials.api_url, () => !exited))
      await resendLostMessages(localCron, since, "the reload dropped");
  })();
}

/** Each line of a wrangler stream through its own filter (a dropped trace belongs to its stream). */
function filterLines(from: Readable | null, to: Writable): void {
  if (!from) return;
  const filter = createDevLogFilter();
  createInterface({ input: from, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
    if (line.includes("Reloading local server")) onReload();
    const shown = filter(line);
    if (shown !== null) to.write(`${shown}\n`);
  });
}
filterLines(dev.stdout, process.stdout);
filterLines(dev.stderr, process.stderr);

let stopCron = () => {};
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    stopCron();
    dev.kill(signal);
  });
dev.on("exit", (code) => {
  exited = true;
  stopCron();
  process.exit(code ?? 0);
});

const apiUrl = credentials.api_url;
const cron = consumerConfig.triggers?.crons?.[0];
if (await waitForApi(apiUrl, () => !exited)) {
  console.log(
    banner({
      apiUrl,
      credentialsPath: relative(root, credentialsPath).startsWith("..")
        ? credentialsPath
        : relative(root, credentialsPath),
      apiKey: credentials.api_key,
      adminKey: credentials.admin_key,
      cron,
    }),
  );
  stopCron = await startLocalCron({ ...localCron, apiUrl, cron, lostJobs });
  ready = true;
}
