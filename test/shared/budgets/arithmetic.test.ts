import { describe, expect, it } from "vitest";
import {
  type BudgetLimits,
  emptyBudget,
  monthOf,
  nextMonthStart,
  nextWakeAt,
  RESERVATION_TTL_MS,
  reserve,
  settle,
  spendView,
} from "../../../shared/budgets/arithmetic";

const DEC_3 = Date.UTC(2026, 11, 3, 12);
const limits: BudgetLimits = { monthlyUsd: 1, projectUsd: {}, thresholds: [50, 80, 100] };
const job = (n: number, amountUsd = 0.3, projectId = "prj_a") => ({
  jobId: `job_${n}`,
  projectId,
  amountUsd,
});

function reserved(state = emptyBudget(DEC_3), count: number, amountUsd = 0.3) {
  let s = state;
  for (let n = 0; n < count; n++) {
    const r = reserve(s, limits, job(n, amountUsd), DEC_3);
    if (!r.ok) throw new Error(`reservation ${n} refused`);
    s = r.state;
  }
  return s;
}

describe("budget arithmetic", () => {
  it("months are UTC calendar months", () => {
    expect(monthOf(Date.UTC(2026, 11, 31, 23, 59))).toBe("2026-12");
    expect(monthOf(Date.UTC(2027, 0, 1, 0, 0))).toBe("2027-01");
    expect(nextMonthStart(DEC_3)).toBe(Date.UTC(2027, 0, 1));
  });

  it("refuses a reservation once spent + reserved + estimate would pass the limit", () => {
    const s = reserved(undefined, 3); // 0.9 held
    const refused = reserve(s, limits, job(9), DEC_3);
    expect(refused).toEqual({ ok: false, scope: "instance", limitUsd: 1, committedUsd: 0.9 });
    // A smaller job still fits exactly.
    expect(reserve(s, limits, job(9, 0.1), DEC_3).ok).toBe(true);
  });

  it("a repeated reservation of the same job holds its estimate once", () => {
    const s = reserved(undefined, 1);
    const again = reserve(s, limits, job(0), DEC_3);
    expect(again.ok && again.state.reservations).toHaveLength(1);
  });

  it("settling replaces the estimate with the actual cost, once", () => {
    const s = reserved(undefined, 2);
    const once = settle(s, limits, { jobId: "job_0", projectId: "prj_a", actualUsd: 0.2 }, DEC_3);
    const twice = settle(once.state, limits, { jobId: "job_0", projectId: "prj_a", actualUsd: 0.2 }, DEC_3);
    const view = spendView(twice.state, limits, DEC_3);
    expect(view).toMatchObject({ spentUsd: 0.2, reservedUsd: 0.3, remainingUsd: 0.5, inFlight: 1 });
    expect(view.projects).toEqual([{ projectId: "prj_a", spentUsd: 0.2, reservedUsd: 0.3, limitUsd: null }]);
  });

  it("a failed job (actual 0) frees its whole reservation", () => {
    const s = reserved(undefined, 3);
    const freed = settle(s, limits, { jobId: "job_1", projectId: "prj_a", actualUsd: 0 }, DEC_3).state;
    expect(spendView(freed, limits, DEC_3)).toMatchObject({ spentUsd: 0, reservedUsd: 0.6 });
    expect(reserve(freed, limits, job(9), DEC_3).ok).toBe(true);
  });

  it("reservations expire, so a job that never reports back cannot hold the budget forever", () => {
    const s = reserved(undefined, 3);
    const later = DEC_3 + RESERVATION_TTL_MS + 1;
    expect(spendView(s, limits, later).reservedUsd).toBe(0);
    expect(reserve(s, limits, job(9), later).ok).toBe(true);
  });

  it("each threshold alerts once per month, and again the next month", () => {
    let s = emptyBudget(DEC_3);
    const spend = (n: number, usd: number, at = DEC_3) => {
      const r = settle(s, limits, { jobId: `job_${n}`, projectId: "prj_a", actualUsd: usd }, at);
      s = r.state;
      return r.crossed;
    };
    expect(spend(1, 0.4)).toEqual([]);
    expect(spend(2, 0.45)).toEqual([50, 80]);
    expect(spend(3, 0.01)).toEqual([]);
    expect(spend(4, 0.2)).toEqual([100]);
    expect(spend(5, 0.2)).toEqual([]);
    const jan = Date.UTC(2027, 0, 1, 0, 0, 1);
    expect(spend(6, 0.5, jan)).toEqual([50]);
  });

  it("rolls over at the UTC month: spend restarts, jobs in flight keep their reservations", () => {
    const dec31 = Date.UTC(2026, 11, 31, 23);
    let s = emptyBudget(dec31);
    for (const n of [0, 1]) {
      const r = reserve(s, limits, job(n), dec31);
      if (r.ok) s = r.state;
    }
    s = settle(s, limits, { jobId: "job_0", projectId: "prj_a", actualUsd: 0.3 }, dec31).state;
    const jan = Date.UTC(2027, 0, 1, 0, 0, 1);
    expect(spendView(s, limits, jan)).toMatchObject({ month: "2027-01", spentUsd: 0, reservedUsd: 0.3 });
  });

  it("enforces a project's own limit beside the instance's", () => {
    const withProject: BudgetLimits = { ...limits, projectUsd: { prj_b: 0.5 } };
    let s = emptyBudget(DEC_3);
    const first = reserve(s, withProject, job(1, 0.3, "prj_b"), DEC_3);
    if (!first.ok) throw new Error("refused");
    s = first.state;
    expect(reserve(s, withProject, job(2, 0.3, "prj_b"), DEC_3)).toMatchObject({
      ok: false,
      scope: "project",
    });
    expect(reserve(s, withProject, job(3, 0.3, "prj_a"), DEC_3).ok).toBe(true);
  });

  it("with no instance limit only project limits apply and nothing alerts", () => {
    const none: BudgetLimits = { monthlyUsd: null, projectUsd: {}, thresholds: [50] };
    const r = reserve(emptyBudget(DEC_3), none, job(1, 1000), DEC_3);
    expect(r.ok).toBe(true);
    const settled = settle(
      emptyBudget(DEC_3),
      none,
      { jobId: "job_1", projectId: "p", actualUsd: 1000 },
      DEC_3,
    );
    expect(settled.crossed).toEqual([]);
  });

  it("wakes at the first expiry or the month's end", () => {
    const s = reserved(undefined, 1);
    expect(nextWakeAt(s, DEC_3)).toBe(DEC_3 + RESERVATION_TTL_MS);
    expect(nextWakeAt(emptyBudget(DEC_3), DEC_3)).toBe(Date.UTC(2027, 0, 1));
  });
});
