// `npm run dlq:replay -- [options]`: replays dead-lettered jobs through the admin API.
// Lists the selection first (a dry run), asks before changing anything (unless --yes), replays
// in chunks with progress, prints a summary. `--help` lists the options.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import {
  ApiCallError,
  addChunk,
  addFailedChunk,
  type Credentials,
  candidatesTable,
  chunk,
  emptyTotals,
  exitCodeFor,
  formatSummary,
  isYes,
  parseReplayArgs,
  postReplay,
  progressLine,
  REPLAY_CHUNK_SIZE,
  resolveTarget,
  selectionBody,
  USAGE,
  UsageError,
} from "./lib/dlq-replay-lib";

const root = resolve(import.meta.dirname, "..");
const credentialsPath = resolve(root, process.env.CREDENTIALS_PATH ?? ".local/dev-credentials.json");

async function readCredentials(): Promise<Credentials | null> {
  try {
    return JSON.parse(await readFile(credentialsPath, "utf8")) as Credentials;
  } catch {
    return null;
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return isYes(await rl.question(question));
  } finally {
    rl.close();
  }
}

async function main(): Promise<number> {
  const args = parseReplayArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args.dryRun && !args.yes && !process.stdin.isTTY) {
    console.error(
      "Refusing to replay: stdin is not a terminal, so nobody can confirm. Pass --yes (or --dry-run).",
    );
    return 2;
  }
  const target = resolveTarget(args, process.env, await readCredentials());

  const preview = await postReplay(target, selectionBody(args));
  for (const s of preview.skipped) console.log(`skip ${s.id}: ${s.reason}`);
  if (preview.replayed.length === 0) {
    console.log("Nothing to replay.");
    return 0;
  }
  console.log(candidatesTable(preview.replayed));
  const count = preview.replayed.length;
  if (args.dryRun) {
    console.log(`Dry run: ${count} job${count === 1 ? "" : "s"} would be replayed.`);
    return 0;
  }
  if (!args.yes && !(await confirm(`Replay ${count} job${count === 1 ? "" : "s"}? [y/N] `))) {
    console.log("Declined; nothing was replayed.");
    return 1;
  }

  const jobIds = preview.replayed.map((item) => item.job_id);
  let totals = emptyTotals();
  let done = 0;
  for (const ids of chunk(jobIds, REPLAY_CHUNK_SIZE)) {
    try {
      totals = addChunk(totals, await postReplay(target, { ids, dry_run: false }));
    } catch (error) {
      if (!(error instanceof ApiCallError)) throw error;
      totals = addFailedChunk(totals, ids, error.message);
    }
    done += ids.length;
    console.log(progressLine(done, jobIds.length, totals));
  }
  console.log(formatSummary(totals));
  return exitCodeFor(totals);
}

try {
  process.exitCode = await main();
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof ApiCallError) {
    console.error(`Admin API call failed: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
