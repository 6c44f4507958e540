// wrangler as a subprocess, and what provisioning reads from its output. Observation goes through
// the same CLI (and so the same API base URL, token and account) as the changes do.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import type { InstanceResources } from "./instances";
import type { Observed } from "./plan";

export interface WranglerResult {
  code: number;
  stdout: string;
  stderr: string;
}
export type Wrangler = (args: string[], input?: string) => Promise<WranglerResult>;

export class WranglerError extends Error {
  override readonly name = "WranglerError";
  constructor(
    readonly args: string[],
    readonly result: WranglerResult,
  ) {
    super(`wrangler ${args.join(" ")} exited ${result.code}: ${lastLines(result.stderr || result.stdout)}`);
  }
}

function lastLines(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ANSI colours of wrangler's errors
  const plain = text.replace(/\u001b\[[0-9;]*m/g, "");
  return plain.trim().split("\n").filter(Boolean).slice(-6).join(" | ");
}

/** Runs the project's wrangler with the project's Node (wrangler refuses older ones). */
export function wranglerCli(root: string, env: NodeJS.ProcessEnv = process.env): Wrangler {
  const bin = resolve(root, "node_modules/wrangler/bin/wrangler.js");
  return (args, input) =>
    new Promise((done, fail) => {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: root,
        env: { ...env, WRANGLER_SEND_METRICS: "false" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => {
        stdout += d;
      });
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      child.on("error", fail);
      child.on("close", (code) => done({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(input ?? "");
    });
}

/** Runs wrangler and fails on a non-zero exit. */
export async function must(wrangler: Wrangler, args: string[], input?: string): Promise<WranglerResult> {
  const result = await wrangler(args, input);
  if (result.code !== 0) throw new WranglerError(args, result);
  return result;
}

/** `wrangler r2 bucket list` prints "name: <bucket>" blocks. */
export function parseBucketList(stdout: string): string[] {
  return [...stdout.matchAll(/^name:\s+(\S+)/gm)].map((m) => m[1]!);
}

/** `wrangler queues list` prints a box table whose second column is the queue's name. */
export function parseQueueList(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("│"))
    .map((line) => line.split("│")[2]?.trim() ?? "")
    .filter((name) => name !== "" && name !== "name");
}

/** `wrangler d1 execute --json` prints an array of results (or, when it fails, an error object). */
export function parseAppliedMigrations(stdout: string): string[] {
  const parsed = JSON.parse(stdout) as { results?: { name: string }[] }[];
  return (parsed[0]?.results ?? []).map((r) => r.name);
}

const notFound = (r: WranglerResult) => /not found|10007|no such table|7404/i.test(r.stdout + r.stderr);

/** Everything the plan compares against, read from the account (the five reads run together). */
export async function observe(wrangler: Wrangler, want: InstanceResources): Promise<Observed> {
  const secretsOf = async (worker: string) => {
    const r = await wrangler(["secret", "list", "--name", worker, "--format", "json"]);
    if (r.code !== 0 && notFound(r)) return [];
    if (r.code !== 0) throw new WranglerError(["secret", "list", "--name", worker], r);
    return (JSON.parse(r.stdout) as { name: string }[]).map((s) => s.name);
  };
  const [databases, buckets, queues, consumerSecrets, producerSecrets] = await Promise.all([
    must(wrangler, ["d1", "list", "--json"]).then(
      (r) => JSON.parse(r.stdout) as { name: string; uuid: string }[],
    ),
    must(wrangler, ["r2", "bucket", "list"]).then((r) => parseBucketList(r.stdout)),
    must(wrangler, ["queues", "list"]).then((r) => parseQueueList(r.stdout)),
    secretsOf(want.workers.consumer),
    secretsOf(want.workers.producer),
  ]);
  let appliedMigrations: string[] = [];
  if (databases.some((d) => d.name === want.database)) {
    const sql = "SELECT name FROM d1_migrations ORDER BY id";
    const r = await wrangler(["d1", "execute", want.database, "--remote", "--json", "--command", sql]);
    if (r.code === 0) appliedMigrations = parseAppliedMigrations(r.stdout);
    else if (!notFound(r)) throw new WranglerError(["d1", "execute", want.database], r);
  }
  return {
    databases: databases.map(({ name, uuid }) => ({ name, uuid })),
    buckets,
    queues,
    secrets: { [want.workers.consumer]: consumerSecrets, [want.workers.producer]: producerSecrets },
    appliedMigrations,
  };
}
