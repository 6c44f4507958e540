import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readerEnv, report, runBlocks } from "../../scripts/lib/docs-check";
import {
  type CheckedBlock,
  extractCheckedBlocks,
  pointAtPort,
  ReadmeBlockError,
  splitDriverOutput,
} from "../../scripts/lib/readme-blocks";

const root = resolve(import.meta.dirname, "../..");
const fence = "```";

const doc = [
  "# title",
  "",
  "## Quick start",
  "<!-- docs:check -->",
  `${fence}sh`,
  "npm install",
  "npm start    # leave it running",
  "npm test",
  "curl -fsS localhost:8787/health",
  fence,
  "",
  `${fence}sh`,
  "echo not marked",
  "## not a heading",
  fence,
  "",
  "## Walk-through",
  "<!-- docs:check -->",
  "",
  `${fence}bash`,
  "npm run -s admin -- audit",
  fence,
  "",
].join("\n");

describe("extractCheckedBlocks", () => {
  it("takes only the marked blocks, in order, with their heading and fence line", () => {
    const blocks = extractCheckedBlocks(doc);
    expect(blocks.map((b) => [b.heading, b.line, b.script])).toEqual([
      ["Quick start", 5, "curl -fsS localhost:8787/health"],
      ["Walk-through", 20, "npm run -s admin -- audit"],
    ]);
  });

  it("skips the lines that install, start or test the system, saying why", () => {
    const [quick] = extractCheckedBlocks(doc);
    expect(quick?.skipped.map((s) => [s.line, s.text])).toEqual([
      [6, "npm install"],
      [7, "npm start    # leave it running"],
      [8, "npm test"],
    ]);
    expect(quick?.skipped[1]?.reason).toMatch(/starts the system itself/);
  });

  it("refuses a marker that is not followed by a sh block", () => {
    expect(() => extractCheckedBlocks("<!-- docs:check -->\nsome prose\n")).toThrow(ReadmeBlockError);
    expect(() => extractCheckedBlocks(`<!-- docs:check -->\n${fence}json\n{}\n${fence}\n`)).toThrow(
      /must be ```sh/,
    );
    expect(() => extractCheckedBlocks("text\n<!-- docs:check -->\n")).toThrow(/has no block/);
  });
});

describe("pointAtPort", () => {
  it("moves npm start's default address to the checked system's port", () => {
    expect(pointAtPort("curl localhost:8787/v1/me http://localhost:8787/x", 40123)).toBe(
      "curl localhost:40123/v1/me http://localhost:40123/x",
    );
    expect(pointAtPort("localhost:87870", 1)).toBe("localhost:87870");
  });
});

describe("splitDriverOutput", () => {
  it("names the block that was running when the shell stopped", () => {
    const out = "@@docs-check block 0 @@\na\n@@docs-check block 1 @@\nboom\n";
    expect(splitDriverOutput(out, 1)).toEqual({ outputs: ["a\n", "boom\n"], failed: 1 });
    expect(splitDriverOutput(`${out}@@docs-check done @@\n`, 0).failed).toBeNull();
  });

  it("finds a marker that follows output with no final newline (curl's JSON)", () => {
    const out = '@@docs-check block 0 @@\n{"a":1}@@docs-check block 1 @@\nb\n@@docs-check done @@\n';
    expect(splitDriverOutput(out, 0)).toEqual({ outputs: ['{"a":1}', "b\n"], failed: null });
  });
});

describe("the README", () => {
  it("has checked blocks whose curl calls fail on an HTTP error and that need no jq", async () => {
    const blocks = extractCheckedBlocks(await readFile(join(root, "README.md"), "utf8"));
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const script = blocks.map((b) => b.script).join("\n");
    for (const call of script.match(/\bcurl\b[^\n]*/g) ?? []) expect(call).toMatch(/ -fsS\b/);
    expect(script).not.toMatch(/\bjq\b|job_\.\.\./);
  });
});

describe("runBlocks", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const block = (script: string, line: number): CheckedBlock => ({ line, heading: "t", script, skipped: [] });
  const run = async (scripts: string[]) => {
    dir = await mkdtemp(join(tmpdir(), "readme-blocks-test-"));
    const blocks = scripts.map((s, i) => block(s, i + 1));
    return { blocks, result: await runBlocks(blocks, { cwd: dir, env: readerEnv(process.env) }) };
  };

  it("runs the blocks in one shell, so variables and functions carry over", async () => {
    const { result } = await run(['X=1; f() { echo "f$1"; }', 'echo "x=$X"; f 2']);
    expect(result.ok).toBe(true);
    expect(result.runs[1]?.output).toBe("x=1\nf2\n");
  });

  it("stops at the first failing command and reports that block with its output", async () => {
    const { blocks, result } = await run(["echo one", "echo two; false; echo unreachable", "echo three"]);
    expect(result.ok).toBe(false);
    expect(result.runs).toHaveLength(2);
    const text = report(result, blocks);
    expect(text).toContain("README.md:2 (t): FAILED");
    expect(text).toContain("  > two");
    expect(result.runs[1]?.output).toBe("two\n");
    expect(text).toContain("README.md:3 (t): not run");
  });

  it("fails on an unset variable and on a failing command inside a pipe", async () => {
    expect((await run(['echo "$JOB_NEVER_SET"'])).result.ok).toBe(false);
    expect((await run(["false | cat"])).result.ok).toBe(false);
  });

  it("fails a block that outlives the timeout", async () => {
    dir = await mkdtemp(join(tmpdir(), "readme-blocks-test-"));
    const result = await runBlocks([block("sleep 30", 1)], { cwd: dir, env: process.env, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, timedOut: true });
  });

  it("gives the blocks a reader's environment: no node_modules/.bin on PATH, no GENQUEUE_ overrides", () => {
    const env = readerEnv({ PATH: "/repo/node_modules/.bin:/usr/bin", GENQUEUE_KEY: "gq_x", HOME: "/h" });
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/h" });
  });
});
