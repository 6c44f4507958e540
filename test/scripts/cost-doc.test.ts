import { describe, expect, it } from "vitest";
import { COST_END, COST_START, renderCostSection, replaceCostSection } from "../../bench/render-cost";

const withOps = (ops: unknown[]) => ({
  bench: {
    result: { startedAt: "2026-01-01T00:00:00.000Z", cost: { operations: { scope: "one job", ops } } },
  },
});

describe("renderCostSection", () => {
  it("says the list is not measured yet when the result has none", () => {
    for (const input of [undefined, null, {}, { bench: { result: {} } }, withOps([]), withOps([42])])
      expect(renderCostSection(input)).toContain("Not measured yet");
  });

  it("renders each operation in order, with the totals per job", () => {
    const section = renderCostSection(
      withOps([
        { kind: "worker", name: "fetch POST /v1/jobs", worker: "producer", ms: 0 },
        {
          kind: "d1",
          name: "insert jobs",
          rowsRead: 0,
          rowsWritten: 3,
          batch: "1/2",
          worker: "producer",
          ms: 1,
        },
        {
          kind: "d1",
          name: "insert job_events",
          rowsRead: 0,
          rowsWritten: 1,
          batch: "2/2",
          worker: "producer",
          ms: 1,
        },
        { kind: "queue", name: "send jobs", worker: "producer", ms: 2 },
        { kind: "do", name: "TOKEN_BUCKET.acquire", worker: "consumer", ms: 9 },
        { kind: "do_sql", name: "insert leases", rowsRead: 0, rowsWritten: 2, worker: "consumer", ms: 9 },
      ]),
    );
    expect(section).toContain("From the bench run started 2026-01-01T00:00:00.000Z; one job.");
    expect(section).toContain("| D1 statements (round trips) | 2 (1) |");
    expect(section).toContain("| D1 rows read / written | 0 / 4 |");
    expect(section).toContain("| 1 | producer | invocation | fetch POST /v1/jobs |  |  |  |");
    expect(section).toContain("| 3 | producer | D1 | insert job_events | 0 | 1 | D1 batch, statement 2/2 |");
    expect(section).toContain("| 6 | consumer | DO SQLite | insert leases | 0 | 2 | inside the object |");
    expect(section).not.toContain("undefined");
  });
});

describe("replaceCostSection", () => {
  it("replaces only the text between the markers", () => {
    const next = replaceCostSection(`intro\n${COST_START}\nold\n${COST_END}\n`, "new");
    expect(next).toBe(`intro\n${COST_START}\nnew\n${COST_END}\n`);
  });
});
