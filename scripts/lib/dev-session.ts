// Pieces of `npm start` (scripts/start.ts) around the running `wrangler dev` session: the banner,
// the migrations' one-line summary, waiting for the API, and the local run of the consumer's cron.
import { getPlatformProxy } from "wrangler";
import { createDb } from "../../shared/db/client";
import type { StaleJob } from "../../shared/db/queries/stale-jobs";
import type { JobMessage } from "../../shared/jobs/message";
import { sendJobMessages } from "../../shared/jobs/resend-stale";
import { parseCron } from "./cron";
import { recoverLostJobs } from "./recover-lost-jobs";

export interface BannerInput {
  apiUrl: string;
  credentialsPath: string;
  apiKey: string;
  adminKey: string;
  cron: string | undefined;
}

/** What a developer needs after `npm start`, in a few lines. */
export function banner(b: BannerInput): string {
  const cron = b.cron ? `at start and on the consumer's cron (${b.cron} UTC)` : "at start";
  return [
    "",
    `genqueue is running on ${b.apiUrl}   (Ctrl-C stops it)`,
    `  docs       ${b.apiUrl}/docs`,
    `  console    ${b.apiUrl}/console/   (sign in with either key)`,
    `  keys       ${b.credentialsPath}`,
    `    user     ${b.apiKey}`,
    `    admin    ${b.adminKey}`,
    `  housekeeping runs ${cron}; run it now: curl ${b.apiUrl}/cdn-cgi/local/scheduled`,
    "  reset      npm run reset (deletes local jobs, images and keys)   more output: npm start -- --verbose",
    "",
  ].join("\n");
}

/** `wrangler d1 migrations apply` output as one line (the full output only when it failed). */
export function migrationSummary(output: string): string {
  const applied = /About to apply (\d+) migration/.exec(output);
  if (applied) return `migrations: ${applied[1]} applied`;
  if (/No migrations to apply/.test(output)) return "migrations: up to date";
  return "migrations: done";
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves once GET /health answers 200 (the first request also builds both Workers). */
export async function waitForApi(apiUrl: string, stillRunning: () => boolean): Promise<boolean> {
  while (stillRunning()) {
    try {
      const res = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(15_000) });
      await res.body?.cancel();
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  return false;
}

export interface LocalCron {
  apiUrl: string;
  cron: string | undefined;
  configPath: string;
  /** wrangler's inner state folder (<persist-to>/v3), as getPlatformProxy takes it. */
  persistPath: string;
  /** Queued jobs of the last session (collectLostJobs, before this one opened D1). */
  lostJobs: readonly StaleJob[];
  print: (line: string) => void;
}

/**
 * Sends the messages of jobs found lost before the session started, through the running session's
 * own queue (getPlatformProxy reaches it); this proxy never touches D1, which the session holds.
 */
export async function sendLostMessages(
  o: Pick<LocalCron, "configPath" | "persistPath" | "print">,
  lost: readonly StaleJob[],
  lostBy: string,
): Promise<void> {
  if (lost.length === 0) return;
  const proxy = await getPlatformProxy<{ JOBS: Queue<JobMessage> }>({
    configPath: o.configPath,
    persist: { path: o.persistPath },
  });
  try {
    await sendJobMessages(proxy.env.JOBS, lost);
    o.print(`re-sent the messages of ${lost.length} queued job(s) ${lostBy}`);
  } catch (error) {
    o.print(`could not re-send lost messages: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await proxy.dispose();
  }
}

/**
 * Re-sends the messages of jobs queued before `since` (scripts/lib/recover-lost-jobs.ts), through
 * the running session's own queue (getPlatformProxy reaches it). After a reload only: it reads and
 * writes D1 beside the session (a reload is rare: a config change).
 */
export async function resendLostMessages(
  o: Pick<LocalCron, "configPath" | "persistPath" | "print">,
  since: number,
  lostBy: string,
): Promise<void> {
  const proxy = await getPlatformProxy<{ DB: D1Database; JOBS: Queue<JobMessage> }>({
    configPath: o.configPath,
    persist: { path: o.persistPath },
  });
  try {
    const resent = await recoverLostJobs(createDb(proxy.env.DB), proxy.env.JOBS, since, Date.now());
    if (resent > 0) o.print(`re-sent the messages of ${resent} queued job(s) ${lostBy}`);
  } catch (error) {
    o.print(`could not re-send lost messages: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await proxy.dispose();
  }
}

/**
 * Re-sends the messages a restart lost, then runs the consumer's housekeeping now and on its cron.
 * Returns a function that stops the timer.
 */
export async function startLocalCron(o: LocalCron): Promise<() => void> {
  await sendLostMessages(o, o.lostJobs, "the last session left behind");

  // The producer's scheduled() forwards to the consumer's Housekeeping entrypoint, which logs its report.
  const run = async () => {
    const url = `${o.apiUrl}/cdn-cgi/local/scheduled${o.cron ? `?cron=${encodeURIComponent(o.cron)}` : ""}`;
    try {
      const res = await fetch(url);
      if (!res.ok) o.print(`housekeeping failed: ${res.status} ${(await res.text()).slice(0, 500)}`);
      else await res.body?.cancel();
    } catch (error) {
      o.print(`housekeeping failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await run();
  if (!o.cron) return () => undefined;
  let schedule: { next(after: Date): Date };
  try {
    schedule = parseCron(o.cron);
  } catch (error) {
    o.print(`housekeeping runs only at start: ${error instanceof Error ? error.message : String(error)}`);
    return () => undefined;
  }
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => {
      void run().finally(arm);
    }, schedule.next(new Date()).getTime() - Date.now());
  };
  arm();
  return () => clearTimeout(timer);
}
