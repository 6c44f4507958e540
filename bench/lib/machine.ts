// The machine a result came from, and where results go: bench/results/<name>-<timestamp>.json,
// plus bench/results/latest.json holding the latest result of each kind (bench, soak).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { round } from "./stats";

const ROOT = resolve(import.meta.dirname, "../..");

interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memTotalGiB: number;
  memFreeGiB: number;
  /** `free -h` as printed, when available. */
  freeH: string | null;
  node: string;
  wrangler: string;
  workerd: string | null;
  loadAverage: number[];
  platform: string;
}

function run(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

function packageVersion(name: string): string | null {
  const path = join(ROOT, "node_modules", name, "package.json");
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version : null;
}

function machineInfo(): MachineInfo {
  const gib = (n: number) => Math.round((n / 1024 ** 3) * 10) / 10;
  return {
    nproc: Number(run("nproc", [])) || cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memTotalGiB: gib(totalmem()),
    memFreeGiB: gib(freemem()),
    freeH: run("free", ["-h"]),
    node: process.version,
    wrangler: packageVersion("wrangler") ?? "unknown",
    workerd: packageVersion("workerd"),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    platform: `${process.platform} ${process.arch}`,
  };
}

function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, "-");
}

/** A result file's contents as a run builds them up: its header first, then what the run adds. */
export type Result = Record<string, unknown> & { kind: string; startedAt: string };

/** The header every result starts with (the machine as it was when the run began). */
export function newResult(kind: string): Result {
  return { kind, startedAt: new Date().toISOString(), machine: machineInfo() };
}

/** Adds the run's end and duration (and the load by then) to the result and writes it. */
export async function finishResult(dir: string, result: Result): Promise<string> {
  const finishedAt = new Date();
  result.finishedAt = finishedAt.toISOString();
  result.durationSeconds = round((finishedAt.getTime() - Date.parse(result.startedAt)) / 1000, 1);
  result.loadAverageAtEnd = machineInfo().loadAverage;
  return writeResult(dir, result.kind, result);
}

/** Writes <dir>/<name>-<timestamp>.json and merges it into <dir>/latest.json under `kind`. */
async function writeResult(dir: string, kind: string, result: unknown): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${kind}-${timestamp()}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  const latestPath = join(dir, "latest.json");
  let latest: Record<string, unknown> = {};
  try {
    latest = JSON.parse(readFileSync(latestPath, "utf8")) as Record<string, unknown>;
  } catch {
    latest = {};
  }
  latest[kind] = { file: file.slice(dir.length + 1), result };
  await writeFile(latestPath, `${JSON.stringify(latest, null, 2)}\n`);
  return file;
}
