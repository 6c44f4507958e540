import { describe, expect, it } from "vitest";
import { type BucketConfig, fullBucket, take } from "../../../shared/pacing/bucket";
import {
  JITTER_WINDOW_MS,
  jitterMs,
  jitterSafeConfig,
  type LatenessSample,
  MAX_JITTER_MS,
  MAX_LATENESS_SAMPLES,
  recordLateness,
} from "../../../shared/pacing/jitter";

const soak: BucketConfig = { capacity: 5, ratePerSecond: 40 };

/** Grant times of a backlog served as fast as `config` allows, from a full bucket at 0. */
function grants(config: BucketConfig, count: number): number[] {
  let state = fullBucket(config, 0);
  const out: number[] = [];
  let t = 0;
  while (out.length < count) {
    const r = take(state, config, t);
    state = r.state;
    if (r.allowed) out.push(t);
    else t += r.retryAfterMs;
  }
  return out;
}

/** Calls over `config` when they arrive at these times (the provider's view). */
function overLimit(config: BucketConfig, arrivals: number[]): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let state = fullBucket(config, sorted[0] ?? 0);
  let over = 0;
  for (const t of sorted) {
    const r = take(state, config, t);
    state = r.state;
    if (!r.allowed) over++;
  }
  return over;
}

/** Deterministic delays in [0, jitter]: mostly the extremes, which bunch the most. */
function delays(count: number, jitter: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const r = x / 2 ** 31;
    return r < 0.4 ? 0 : r < 0.8 ? jitter : Math.floor(r * jitter);
  });
}

describe("jitterSafeConfig", () => {
  it("gives up burst first, then rate, with literal values", () => {
    expect(jitterSafeConfig(soak, 0)).toEqual(soak);
    // 40/s for 50 ms bunches 2 calls: the burst shrinks by 2.
    expect(jitterSafeConfig(soak, 50)).toEqual({ capacity: 3, ratePerSecond: 40 });
    // 40/s for 100 ms bunches 4, all the spare burst.
    expect(jitterSafeConfig(soak, 100)).toEqual({ capacity: 1, ratePerSecond: 40 });
    // Beyond that the rate gives way: 4 spare calls over 400 ms is 10/s.
    expect(jitterSafeConfig(soak, 400)).toEqual({ capacity: 1, ratePerSecond: 10 });
    expect(jitterSafeConfig({ capacity: 2, ratePerSecond: 5 }, 300)).toEqual({
      capacity: 1,
      ratePerSecond: 3.333,
    });
  });

  it("leaves a burst of 1 as it is (nothing to give up)", () => {
    expect(jitterSafeConfig({ capacity: 1, ratePerSecond: 5 }, 400)).toEqual({
      capacity: 1,
      ratePerSecond: 5,
    });
  });

  it("keeps calls delayed unevenly by up to the jitter within the original limit", () => {
    for (const jitter of [10, 60, 125, 325, 449, 1000]) {
      for (const seed of [1, 7, 42]) {
        const safe = jitterSafeConfig(soak, jitter);
        const sent = grants(safe, 400);
        const d = delays(sent.length, jitter, seed);
        expect(
          overLimit(
            soak,
            sent.map((t, i) => t + d[i]!),
          ),
          `jitter ${jitter} seed ${seed}`,
        ).toBe(0);
      }
    }
  });

  it("without it, the same delays put calls over the limit", () => {
    // The soak's failure: a stall of ~325 ms after the answers, at 40/s with burst 5.
    const sent = grants(soak, 400);
    const d = delays(sent.length, 325, 7);
    expect(
      overLimit(
        soak,
        sent.map((t, i) => t + d[i]!),
      ),
    ).toBeGreaterThan(0);
  });
});

describe("lateness samples", () => {
  it("measures the spread, not the lateness: a constant delay bunches nothing", () => {
    let s: LatenessSample[] = [];
    for (let i = 0; i < 10; i++) s = recordLateness(s, 1000 + i * 100 - 80, 1000 + i * 100);
    expect(jitterMs(s, 2000)).toBe(0);
    s = recordLateness(s, 2000, 2300);
    expect(jitterMs(s, 2300)).toBe(220);
  });

  it("counts early check-ins as on time, and needs two samples", () => {
    const one = recordLateness([], 500, 100);
    expect(one).toEqual([{ at: 100, ms: 0 }]);
    expect(jitterMs(one, 100)).toBe(0);
  });

  it("forgets samples older than the window, keeps at most the newest, caps the spread", () => {
    let s = recordLateness([], 0, 5_000); // 5 s late
    s = recordLateness(s, 6_000, 6_000);
    expect(jitterMs(s, 6_000)).toBe(MAX_JITTER_MS);
    expect(jitterMs(s, 5_000 + JITTER_WINDOW_MS)).toBe(0);
    s = recordLateness(s, 5_000 + JITTER_WINDOW_MS, 5_000 + JITTER_WINDOW_MS);
    expect(s.map((x) => x.at)).toEqual([6_000, 5_000 + JITTER_WINDOW_MS]);
    for (let i = 0; i < MAX_LATENESS_SAMPLES + 10; i++) s = recordLateness(s, 40_000, 40_000 + i);
    expect(s).toHaveLength(MAX_LATENESS_SAMPLES);
    expect(s.at(-1)).toEqual({ at: 40_000 + MAX_LATENESS_SAMPLES + 9, ms: MAX_LATENESS_SAMPLES + 9 });
  });
});
