// Figures in the docs are generated: each document's section between its markers must be exactly
// what its renderer makes of the committed bench/results/latest.json (`npm run bench:readme`
// rewrites them after a bench or soak).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DOCUMENTS, LATEST_PATH } from "../../bench/render-readme";

const latest: unknown = JSON.parse(readFileSync(LATEST_PATH, "utf8"));

describe.each(DOCUMENTS)("$name", (doc) => {
  const text = readFileSync(doc.path, "utf8");

  it("holds exactly what latest.json renders", () => {
    expect(doc.extract(text)).toBe(doc.render(latest));
  });

  it("has one start and one end marker, in that order", () => {
    expect(text.split(doc.start)).toHaveLength(2);
    expect(text.split(doc.end)).toHaveLength(2);
    expect(text.indexOf(doc.start)).toBeLessThan(text.indexOf(doc.end));
  });
});
