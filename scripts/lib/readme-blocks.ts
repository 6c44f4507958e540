// The README's checked shell blocks, as `npm run docs:check` runs them. Pure: no file, no process.
// A block is checked when the line before its ```sh (or ```bash) fence is `<!-- docs:check -->`;
// other blocks (layout diagrams, reference syntax) are prose. Lines that install, start or test the
// system are skipped, with the reason printed, since the checker starts the system itself.

export const CHECK_MARKER = "<!-- docs:check -->";

export interface SkippedLine {
  line: number;
  text: string;
  reason: string;
}

export interface CheckedBlock {
  /** 1-based line of the opening fence in the markdown. */
  line: number;
  /** The nearest `##`/`###` heading above the block, to name it in a report. */
  heading: string;
  /** The block's lines with skipped lines left out, in order. */
  script: string;
  skipped: SkippedLine[];
}

/** Commands the checker does itself (or must not run inside the walk-through), with why. */
const SKIPPED_COMMANDS: [RegExp, string][] = [
  [/^npm (install|ci)\b/, "the checker runs from an installed tree"],
  [/^npm (start|run start)\b/, "the checker starts the system itself (test/e2e/support/system.ts)"],
  [/^npm (test|run test)\b/, "the test suite is not part of the walk-through (and runs this check)"],
];

function skipReason(text: string): string | null {
  const command = text.trim();
  for (const [pattern, reason] of SKIPPED_COMMANDS) if (pattern.test(command)) return reason;
  return null;
}

export class ReadmeBlockError extends Error {}

/** The checked blocks of `markdown`, in order. Throws on a marker that is not followed by a sh fence. */
export function extractCheckedBlocks(markdown: string): CheckedBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CheckedBlock[] = [];
  let heading = "(top)";
  let marked = false;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? "";
    const fence = /^(```+|~~~+)\s*(\w*)/.exec(text);
    if (!fence) {
      if (/^#{2,3} /.test(text)) heading = text.replace(/^#+ /, "");
      if (text.trim() === CHECK_MARKER) marked = true;
      else if (marked && text.trim() !== "")
        throw new ReadmeBlockError(`line ${i + 1}: ${CHECK_MARKER} must be followed by a \`\`\`sh block`);
      continue;
    }
    // A fence: find its end whether checked or not, so a "## " inside a block is not a heading.
    const close = lines.findIndex((l, j) => j > i && l.trim() === fence[1]);
    const end = close === -1 ? lines.length : close;
    if (marked) {
      if (fence[2] !== "sh" && fence[2] !== "bash")
        throw new ReadmeBlockError(`line ${i + 1}: a checked block must be \`\`\`sh or \`\`\`bash`);
      const kept: string[] = [];
      const skipped: SkippedLine[] = [];
      for (let j = i + 1; j < end; j++) {
        const body = lines[j] ?? "";
        const reason = skipReason(body);
        if (reason) skipped.push({ line: j + 1, text: body.trim(), reason });
        else kept.push(body);
      }
      blocks.push({ line: i + 1, heading, script: kept.join("\n"), skipped });
      marked = false;
    }
    i = end;
  }
  if (marked) throw new ReadmeBlockError(`${CHECK_MARKER} at the end of the file has no block`);
  return blocks;
}

/** The README addresses `npm start`'s default port; the checked system listens on another. */
export function pointAtPort(script: string, port: number): string {
  return script.replaceAll(/\blocalhost:8787\b/g, `localhost:${port}`);
}

/** The line that separates the blocks' outputs in the driver's output. */
export const blockMarker = (index: number) => `@@docs-check block ${index} @@`;
export const DONE_MARKER = "@@docs-check done @@";

/**
 * One bash script that sources each block file in order in the same shell (variables and functions
 * carry over, as in a reader's terminal), under `set -euo pipefail`, stderr into stdout, with a
 * marker before each block so the output tells which block failed.
 */
export function driverScript(blockFiles: string[]): string {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  return [
    "set -euo pipefail",
    "exec 2>&1",
    ...blockFiles.flatMap((file, i) => [`echo ${quote(blockMarker(i))}`, `source ${quote(file)}`]),
    `echo ${quote(DONE_MARKER)}`,
    "",
  ].join("\n");
}

export interface DriverOutcome {
  /** Output of each block that started, by index. */
  outputs: string[];
  /** Index of the block that failed (the last one started), or null if all ran. */
  failed: number | null;
}

/**
 * Splits the driver's output at the markers; the block running when the shell stopped failed. A
 * marker may end a line: curl prints JSON with no newline, and the next marker follows it.
 */
export function splitDriverOutput(output: string, exitCode: number): DriverOutcome {
  const outputs: string[] = [];
  let done = false;
  const markers = /@@docs-check (?:block (\d+)|done) @@\n?/g;
  let from = 0;
  for (const match of output.matchAll(markers)) {
    if (outputs.length > 0) outputs[outputs.length - 1] += output.slice(from, match.index);
    if (match[1] === undefined) done = true;
    else outputs[Number(match[1])] = "";
    from = match.index + match[0].length;
  }
  if (outputs.length > 0) outputs[outputs.length - 1] += output.slice(from);
  const failed = done && exitCode === 0 ? null : Math.max(0, outputs.length - 1);
  return { outputs, failed };
}
