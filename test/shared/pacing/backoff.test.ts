import { describe, expect, it } from "vitest";
import {
  deferDelaySeconds,
  MAX_QUEUE_DELAY_SECONDS,
  queueRetryDelaySeconds,
} from "../../../shared/pacing/backoff";

const cfg = { baseSeconds: 2, maxSeconds: 300 };
const top = () => 1 - Number.EPSILON;
const bottom = () => 0;

describe("queueRetryDelaySeconds", () => {
  it("doubles per attempt up to maxSeconds", () => {
    const steps = [1, 2, 3, 4, 8, 9, 20].map((a) => queueRetryDelaySeconds(a, cfg, top));
    expect(steps).toEqual([2, 4, 8, 16, 256, 300, 300]);
  });

  it("equal jitter waits at least half the step; full jitter may retry at once", () => {
    expect(queueRetryDelaySeconds(4, cfg, bottom)).toBe(8);
    expect(queueRetryDelaySeconds(4, { ...cfg, jitter: "full" }, bottom)).toBe(0);
    expect(queueRetryDelaySeconds(4, { ...cfg, jitter: "full" }, top)).toBe(16);
  });

  it("always returns whole seconds within [0, step]", () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      for (const r of [0, 0.13, 0.5, 0.77, 0.999999]) {
        for (const jitter of ["full", "equal"] as const) {
          const d = queueRetryDelaySeconds(attempt, { ...cfg, jitter }, () => r);
          expect(Number.isInteger(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(Math.min(300, 2 * 2 ** (attempt - 1)));
        }
      }
    }
  });

  it("never exceeds the Queues maximum of 43200 s, even for huge attempts or maxSeconds", () => {
    const huge = { baseSeconds: 60, maxSeconds: 1e9 };
    expect(MAX_QUEUE_DELAY_SECONDS).toBe(43_200);
    expect(queueRetryDelaySeconds(10_000, huge, top)).toBe(43_200);
    expect(queueRetryDelaySeconds(Number.NaN, cfg, top)).toBe(2);
  });
});

describe("deferDelaySeconds", () => {
  it("rounds up to whole seconds, at least 1, at most 43200", () => {
    expect(deferDelaySeconds(0)).toBe(1);
    expect(deferDelaySeconds(1)).toBe(1);
    expect(deferDelaySeconds(1000)).toBe(1);
    expect(deferDelaySeconds(1001)).toBe(2);
    expect(deferDelaySeconds(1e12)).toBe(43_200);
    expect(deferDelaySeconds(Number.POSITIVE_INFINITY)).toBe(43_200);
  });
});
