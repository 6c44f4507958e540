// bench/render-readme.ts: how it renders bench/README.md's generated section (that the committed
// section matches latest.json is checked for every generated document in generated-docs.test.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  END_MARKER,
  extractSection,
  LATEST_PATH,
  renderBenchSection,
  replaceSection,
  START_MARKER,
  updateBenchReadme,
} from "../../bench/render-readme";

const latest: unknown = JSON.parse(readFileSync(LATEST_PATH, "utf8"));

describe("renderBenchSection", () => {
  it("is deterministic", () => {
    expect(renderBenchSection(structuredClone(latest))).toBe(renderBenchSection(latest));
  });

  it("renders the key figures of the bench and the soak", () => {
    const section = renderBenchSection(latest);
    for (const heading of [
      "### Pacing",
      "### Throughput",
      "### Latency under load",
      "### Platform cost per job",
      "## `npm run soak`",
    ])
      expect(section).toContain(heading);
    const figures = latest as {
      bench: { result: { throughput: { genqueue: { jobsPerSecond: number } } } };
      soak: { result: { figures: { provider: { generateCalls: number } } } };
    };
    expect(section).toContain(`| ${figures.bench.result.throughput.genqueue.jobsPerSecond} |`);
    expect(section).toContain(`of ${figures.soak.result.figures.provider.generateCalls} generation calls`);
  });

  it("says what is missing instead of throwing on partial or foreign input", () => {
    for (const input of [
      undefined,
      null,
      42,
      "x",
      [],
      {},
      { bench: { result: {} } },
      { soak: { result: [] } },
    ])
      expect(() => renderBenchSection(input)).not.toThrow();
    expect(renderBenchSection({})).toContain("No bench result in latest.json yet.");
    expect(renderBenchSection({})).toContain("No soak result in latest.json yet.");
    const partial = renderBenchSection({
      bench: { result: { throughput: { genqueue: { jobs: 2, completed: 2, jobsPerSecond: Number.NaN } } } },
    });
    expect(partial).toContain("| genqueue | 2/2 |");
    expect(partial).not.toContain("NaN");
    expect(partial).not.toContain("undefined");
  });

  it("keeps table cells on one line and escapes pipes", () => {
    const section = renderBenchSection({
      soak: { result: { checks: [{ name: "a | b", pass: false, detail: "line 1\nline 2" }] } },
    });
    expect(section).toContain("| a \\| b | FAIL | line 1 line 2 |");
  });
});

describe("replaceSection", () => {
  it("replaces only the text between the markers", () => {
    const doc = `intro\n${START_MARKER}\nold\n${END_MARKER}\noutro\n`;
    const next = replaceSection(doc, "new\ntext");
    expect(next).toBe(`intro\n${START_MARKER}\nnew\ntext\n${END_MARKER}\noutro\n`);
    expect(extractSection(next)).toBe("new\ntext");
  });

  it("refuses a document without the markers", () => {
    expect(() => replaceSection("no markers", "x")).toThrow(/bench:start/);
  });
});

describe("updateBenchReadme", () => {
  it("leaves the README alone for results written anywhere but bench/results", () => {
    expect(updateBenchReadme("/tmp/genqueue-bench-smoke-elsewhere")).toBeNull();
  });
});
