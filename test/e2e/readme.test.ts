// The README's checked shell blocks (`npm run docs:check`), run in order against the real system
// the way a reader pastes them: if a snippet stops working, this fails and names the block.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report, runAgainst } from "../../scripts/lib/docs-check";
import { extractCheckedBlocks } from "../../scripts/lib/readme-blocks";
import { startSystem, type System } from "./support/system";

let sys: System;

beforeAll(async () => {
  sys = await startSystem({ readerPaths: true });
}, 90_000);

afterAll(async () => {
  await sys?.stop();
});

describe("README", () => {
  it("runs every checked block of README.md, in order, with no error", async () => {
    const blocks = extractCheckedBlocks(await readFile(join(sys.cwd, "README.md"), "utf8"));
    // Below the test's own timeout, so a hanging block is reported with its output.
    const result = await runAgainst(blocks, sys, 180_000);
    expect(
      result.ok,
      `${report(result, blocks, true)}\n--- system output ---\n${sys.output().slice(-4000)}`,
    ).toBe(true);
    expect(result.runs).toHaveLength(blocks.length);
  }, 240_000);

  it("fails on a snippet the API refuses (the old replay body with dry_run alone is a 400)", async () => {
    const markdown = [
      "## Broken",
      "<!-- docs:check -->",
      "```sh",
      `ADMIN_KEY=$(node -p "require('./.local/dev-credentials.json').admin_key")`,
      "curl -fsS -X POST localhost:8787/v1/admin/dead-letters/replay \\",
      `  -H "authorization: Bearer $ADMIN_KEY" -H 'content-type: application/json' -d '{"dry_run":true}'`,
      "echo unreachable",
      "```",
    ].join("\n");
    const blocks = extractCheckedBlocks(markdown);
    const result = await runAgainst(blocks, sys);
    expect(result.ok).toBe(false);
    expect(result.runs[0]?.output).toMatch(/error: 400/);
    expect(report(result, blocks)).toContain("README.md:3 (Broken): FAILED");
  }, 60_000);
});
