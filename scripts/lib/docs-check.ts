// Runs the README's checked blocks (readme-blocks.ts) the way a reader would: one bash, blocks in
// order, in the repository's tree, with `npm start` running there. `runBlocks` is the shell half
// (tested on its own); `checkReadme` starts the real system first.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { startSystem, type System } from "../../test/e2e/support/system";
import { killGroup } from "./processes";
import {
  type CheckedBlock,
  driverScript,
  extractCheckedBlocks,
  pointAtPort,
  splitDriverOutput,
} from "./readme-blocks";

const RUN_TIMEOUT_MS = 5 * 60_000;

export interface BlockRun {
  block: CheckedBlock;
  output: string;
}

export interface DocsCheckResult {
  ok: boolean;
  /** The blocks that started, with their output; the last one failed when !ok. */
  runs: BlockRun[];
  exitCode: number | null;
  timedOut: boolean;
}

/**
 * The environment a reader's shell has: none of the test runner's or npm's own additions. npm puts
 * node_modules/.bin first on an npm script's PATH; a reader's terminal does not have it, so a
 * snippet calling `wrangler` or `tsx` directly must fail here too.
 */
export function readerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dropped = /^(PORT|PERSIST_DIR|CREDENTIALS_PATH|GENQUEUE_.*|VITEST.*|NODE_ENV|npm_.*|INIT_CWD)$/;
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!dropped.test(name)) clean[name] = value;
  clean.PATH = (env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => !/node_modules[\\/]\.bin$/.test(dir))
    .join(delimiter);
  return clean;
}

export async function runBlocks(
  blocks: CheckedBlock[],
  options: { cwd: string; env: NodeJS.ProcessEnv; port?: number; timeoutMs?: number },
): Promise<DocsCheckResult> {
  const dir = await mkdtemp(join(tmpdir(), "genqueue-docs-check-"));
  try {
    const files = await Promise.all(
      blocks.map(async (block, i) => {
        const file = join(dir, `block-${i}.sh`);
        const script = options.port === undefined ? block.script : pointAtPort(block.script, options.port);
        await writeFile(file, `${script}\n`);
        return file;
      }),
    );
    const driver = join(dir, "driver.sh");
    await writeFile(driver, driverScript(files));
    // detached: a timeout kills the whole group (curl, npm, wrangler), not only bash.
    const child = spawn("bash", [driver], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid, "SIGKILL");
    }, options.timeoutMs ?? RUN_TIMEOUT_MS);
    const exitCode = await new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    clearTimeout(timer);
    const { outputs, failed } = splitDriverOutput(output, exitCode ?? 1);
    const runs = outputs.map((out, i) => ({ block: blocks[i] as CheckedBlock, output: out }));
    return { ok: failed === null && !timedOut, runs, exitCode, timedOut };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A readable account of a run: every block, its skipped lines, and the failing block's output. */
export function report(result: DocsCheckResult, blocks: CheckedBlock[], verbose = false): string {
  const lines: string[] = [];
  blocks.forEach((block, i) => {
    const run = result.runs[i];
    const failed = !result.ok && i === result.runs.length - 1;
    const state = run === undefined ? "not run" : failed ? "FAILED" : "ok";
    lines.push(`README.md:${block.line} (${block.heading}): ${state}`);
    for (const s of block.skipped) lines.push(`  skipped line ${s.line} \`${s.text}\`: ${s.reason}`);
    if (run && (failed || verbose)) {
      if (failed) lines.push(`  --- script ---`, ...block.script.split("\n").map((l) => `  | ${l}`));
      lines.push(
        `  --- output ---`,
        ...run.output
          .trimEnd()
          .split("\n")
          .map((l) => `  > ${l}`),
      );
    }
  });
  if (result.timedOut) lines.push("timed out: the blocks did not finish (a wait loop that never ends?)");
  else if (!result.ok) lines.push(`bash exited ${result.exitCode}`);
  return lines.join("\n");
}

/** Runs `blocks` in the started system's tree, pointed at its port, with a reader's environment. */
export function runAgainst(
  blocks: CheckedBlock[],
  system: Pick<System, "baseUrl" | "cwd">,
  timeoutMs?: number,
): Promise<DocsCheckResult> {
  const port = Number(new URL(system.baseUrl).port);
  return runBlocks(blocks, { cwd: system.cwd, env: readerEnv(process.env), port, timeoutMs });
}

/** Starts the real system from a snapshot of the tree and runs the README's checked blocks there. */
export async function checkReadme(
  readmePath: string,
): Promise<{ result: DocsCheckResult; blocks: CheckedBlock[]; systemOutput: string }> {
  const blocks = extractCheckedBlocks(await readFile(readmePath, "utf8"));
  // State and keys where `npm start` keeps them by default, so the snippets' paths hold.
  const system = await startSystem({ readerPaths: true });
  try {
    return { result: await runAgainst(blocks, system), blocks, systemOutput: system.output() };
  } finally {
    await system.stop();
  }
}
