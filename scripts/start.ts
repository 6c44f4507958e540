// `npm start`: applies the D1 migrations locally, seeds the dev tenant, prints its keys and runs
// both Workers in one `wrangler dev` session (state persisted under .wrangler/state).
//   PORT                      port of the API (default 8787)
//   PERSIST_DIR               where local D1/R2/DO state lives (default .wrangler/state)
//   CREDENTIALS_PATH          where the dev tenant's keys are written (default .local/dev-credentials.json)
//   <PROVIDER>_API_KEY / _BASE_URL / _MODEL, DEFAULT_PROVIDER   passed through to the consumer
//                             (every provider in shared/providers/registry.ts)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { experimental_readRawConfig, getPlatformProxy } from "wrangler";
import { generateMasterKey } from "../shared/providers/keys/crypto";
import { allProviderEnvVars } from "../shared/providers/registry";
import { DEV_TENANT, seedDevTenant } from "./lib/dev-tenant";

const root = resolve(import.meta.dirname, "..");
const port = Number(process.env.PORT ?? 8787);
const persistDir = resolve(root, process.env.PERSIST_DIR ?? ".wrangler/state");
const credentialsPath = resolve(root, process.env.CREDENTIALS_PATH ?? ".local/dev-credentials.json");
const wrangler = resolve(root, "node_modules/.bin/wrangler");

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

const migrate = spawnSync(
  wrangler,
  ["d1", "migrations", "apply", "DB", "--local", "-c", "wrangler.producer.toml", "--persist-to", persistDir],
  { cwd: root, stdio: "inherit", env: { ...process.env, CI: "true" } },
);
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const proxy = await getPlatformProxy<{ DB: D1Database }>({
  configPath: resolve(root, "wrangler.producer.toml"),
  // wrangler keeps its state under <persist-to>/v3; the proxy takes that inner folder.
  persist: { path: resolve(persistDir, "v3") },
});
const credentials = await seedDevTenant(proxy.env.DB, credentialsPath, `http://localhost:${port}`);
await proxy.dispose();

console.log(`
genqueue dev tenant (also in ${credentialsPath}):
  API       ${credentials.api_url}   (docs: ${credentials.api_url}/docs)
  console   ${credentials.api_url}/console/   (sign in with either key)
  user key  ${credentials.api_key}
  admin key ${credentials.admin_key}
  webhook secret ${credentials.webhook_secret}   (project ${DEV_TENANT.projectId})
`);

/**
 * `wrangler dev` hands --env-file to the first config's Worker only; a second config's Worker reads
 * `.dev.vars` beside its own config. So the consumer runs from a copy of its config made at every
 * start (paths absolute) in .wrangler/dev-consumer/, with the same dev vars in a `.dev.vars` there:
 * otherwise it would run as ENVIRONMENT=production without the provider keys and the master key.
 */
function consumerDevConfig(envFile: string): string {
  const { rawConfig } = experimental_readRawConfig({ config: resolve(root, "wrangler.consumer.toml") }) as {
    rawConfig: { main: string; d1_databases?: { migrations_dir?: string }[] };
  };
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
  { cwd: root, stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
