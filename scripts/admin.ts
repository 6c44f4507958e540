// `npm run admin -- <command> [options]`: the admin API from the shell (organizations, instances,
// projects, users, keys, /v1/me, the audit log), and `bootstrap`, the first super admin of a fresh
// deployment straight in D1. `npm run admin -- --help` lists the commands.
//   GENQUEUE_URL, GENQUEUE_KEY   the API and key (else --url / --key, else the credentials file)
//   CREDENTIALS_PATH             npm start's credentials file (default .local/dev-credentials.json)
//   PERSIST_DIR                  npm start's local state (default .wrangler/state), for bootstrap
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { WranglerResult } from "./lib/admin-bootstrap";
import { type CliCredentials, runAdminCli } from "./lib/admin-cli";

const root = resolve(import.meta.dirname, "..");
const credentialsPath = resolve(root, process.env.CREDENTIALS_PATH ?? ".local/dev-credentials.json");

async function readCredentials(): Promise<CliCredentials | null> {
  try {
    return JSON.parse(await readFile(credentialsPath, "utf8")) as CliCredentials;
  } catch {
    return null;
  }
}

/** `wrangler <args>` from the repository, its output captured. */
function wrangler(args: string[]): Promise<WranglerResult> {
  return new Promise((done, fail) => {
    const child = spawn(resolve(root, "node_modules/.bin/wrangler"), args, {
      cwd: root,
      env: { ...process.env, CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (status) => done({ status: status ?? 1, stdout, stderr }));
  });
}

process.exitCode = await runAdminCli(process.argv.slice(2), {
  env: process.env,
  fetch,
  readCredentials,
  now: Date.now,
  persistDir: resolve(root, process.env.PERSIST_DIR ?? ".wrangler/state"),
  resolvePath: (path) => resolve(process.cwd(), path),
  wrangler,
  out: (text) => console.log(text),
  err: (text) => console.error(text),
});
