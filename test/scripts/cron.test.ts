import { describe, expect, it } from "vitest";
import { parseCron } from "../../scripts/lib/cron";

const next = (expr: string, iso: string) => parseCron(expr).next(new Date(iso)).toISOString();

describe("parseCron", () => {
  it("finds the next five-minute mark, strictly after the given time", () => {
    expect(next("*/5 * * * *", "2026-12-03T14:36:11Z")).toBe("2026-12-03T14:40:00.000Z");
    expect(next("*/5 * * * *", "2026-12-03T14:40:00Z")).toBe("2026-12-03T14:45:00.000Z");
    expect(next("*/5 * * * *", "2026-12-03T23:59:30Z")).toBe("2026-12-04T00:00:00.000Z");
  });

  it("reads ranges, lists and steps over ranges in UTC", () => {
    expect(next("0 3 * * *", "2026-12-03T14:36:00Z")).toBe("2026-12-04T03:00:00.000Z");
    expect(next("15,45 9-17/4 * * *", "2026-12-03T14:36:00Z")).toBe("2026-12-03T17:15:00.000Z");
  });

  it("matches either day field when both are restricted, and 7 as Sunday", () => {
    // 2026-12-03 is a Thursday; the 10th comes after Sunday the 6th.
    expect(next("0 0 10 * 7", "2026-12-03T12:00:00Z")).toBe("2026-12-06T00:00:00.000Z");
    expect(next("0 0 * * 1-5", "2026-12-04T12:00:00Z")).toBe("2026-12-07T00:00:00.000Z");
  });

  it("refuses what it does not understand instead of guessing", () => {
    expect(() => parseCron("*/5 * * *")).toThrow(/5 fields/);
    expect(() => parseCron("0 0 * * MON")).toThrow(/not supported/);
    expect(() => parseCron("61 * * * *")).toThrow(/out of range/);
    expect(() => parseCron("0 0 31 2 *").next(new Date("2026-12-03T00:00:00Z"))).toThrow(/never fires/);
  });
});
