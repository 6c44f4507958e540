import { describe, expect, it } from "vitest";
import {
  type BucketConfig,
  type BucketState,
  fullBucket,
  refill,
  refund,
  take,
} from "../../../shared/pacing/bucket";

const T0 = 1_700_000_000_000;
const cfg: BucketConfig = { capacity: 5, ratePerSecond: 2 };
const empty = (now = T0): BucketState => ({ tokens: 0, updatedAt: now });

describe("refill", () => {
  it("adds elapsed time times rate", () => {
    expect(refill(empty(), cfg, T0 + 1500).tokens).toBe(3);
  });

  it("caps at capacity", () => {
    expect(refill(empty(), cfg, T0 + 60_000).tokens).toBe(5);
  });

  it("does not drift: 1000 one-ms steps equal one 1000 ms step", () => {
    const odd = { capacity: 100, ratePerSecond: 0.7 };
    let stepped = empty();
    for (let i = 1; i <= 1000; i++) stepped = refill(stepped, odd, T0 + i);
    expect(stepped).toEqual(refill(empty(), odd, T0 + 1000));
    expect(stepped.tokens).toBe(0.7);
  });

  it("keeps fractional tokens across calls", () => {
    // 3 tokens/s: each 100 ms adds 0.3 tokens, never rounded away.
    const c = { capacity: 10, ratePerSecond: 3 };
    let s = empty();
    for (let i = 1; i <= 10; i++) s = refill(s, c, T0 + i * 100);
    expect(s.tokens).toBe(3);
  });

  it("adds nothing when the clock goes backwards, and does not count that time twice", () => {
    const s = refill(empty(T0 + 1000), cfg, T0);
    expect(s).toEqual({ tokens: 0, updatedAt: T0 + 1000 });
    expect(refill(s, cfg, T0 + 1500).tokens).toBe(1);
  });
});

describe("take", () => {
  it("lets a burst of capacity through, then denies", () => {
    let s = fullBucket(cfg, T0);
    for (let i = 0; i < 5; i++) {
      const r = take(s, cfg, T0);
      expect(r.allowed).toBe(true);
      expect(r.remaining).toBe(4 - i);
      s = r.state;
    }
    const denied = take(s, cfg, T0);
    expect(denied).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 500, limit: 5, reset: 2500 });
  });

  it("debits nothing on a denied take", () => {
    const s = { tokens: 0.4, updatedAt: T0 };
    const r = take(s, cfg, T0 + 100, 1);
    expect(r.allowed).toBe(false);
    expect(r.state).toEqual({ tokens: 0.6, updatedAt: T0 + 100 });
    // Denials in a loop do not push the wait further out.
    expect(take(r.state, cfg, T0 + 100).retryAfterMs).toBe(200);
  });

  it("retryAfterMs is exact: succeeds at now + retryAfterMs, fails 1 ms earlier", () => {
    for (const rate of [0.7, 1, 3, 7, 13.5, 250]) {
      const c = { capacity: 3, ratePerSecond: rate };
      const s = { tokens: 0.123457, updatedAt: T0 };
      const { retryAfterMs } = take(s, c, T0, 2);
      expect(take(s, c, T0 + retryAfterMs, 2).allowed, `rate ${rate}`).toBe(true);
      expect(take(s, c, T0 + retryAfterMs - 1, 2).allowed, `rate ${rate}`).toBe(false);
    }
  });

  it("reports ms until full as reset", () => {
    const r = take(fullBucket(cfg, T0), cfg, T0);
    expect(r.reset).toBe(500);
    expect(take(r.state, cfg, T0 + 500).reset).toBe(500);
  });

  it("rejects a cost above capacity instead of denying forever", () => {
    expect(() => take(fullBucket(cfg, T0), cfg, T0, 6)).toThrow(RangeError);
  });
});

describe("refund", () => {
  it("gives tokens back but never above capacity", () => {
    const r = take(fullBucket(cfg, T0), cfg, T0);
    expect(refund(r.state, cfg, T0, 1).tokens).toBe(5);
    expect(refund(r.state, cfg, T0, 10).tokens).toBe(5);
    expect(refund(empty(), cfg, T0, 2).tokens).toBe(2);
  });
});

/** Every caller retries exactly at retryAfterMs; returns the times of granted calls. */
function simulateBacklog(c: BucketConfig, requests: number): number[] {
  let state = fullBucket(c, T0);
  let pending = Array.from({ length: requests }, () => T0);
  const granted: number[] = [];
  while (pending.length > 0) {
    const now = Math.min(...pending);
    const later: number[] = [];
    for (const at of pending) {
      if (at !== now) {
        later.push(at);
        continue;
      }
      const r = take(state, c, now);
      state = r.state;
      if (r.allowed) granted.push(now);
      else later.push(now + r.retryAfterMs);
    }
    pending = later;
  }
  return granted;
}

describe("full use of the limit under a backlog", () => {
  it.each([1, 5, 10])("never exceeds %i calls in any 1 s window and uses >= 98% of it", (rate) => {
    const c = { capacity: 4, ratePerSecond: rate };
    const times = simulateBacklog(c, 30 * rate);
    // The initial burst drains at T0; from then on the bucket is the only pace-setter.
    const steady = times.filter((t) => t > T0);
    for (let i = 0; i < steady.length; i++) {
      const inWindow = steady.filter((t) => t >= steady[i]! && t < steady[i]! + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(rate);
    }
    const seconds = (steady.at(-1)! - T0) / 1000;
    const ratio = steady.length / (seconds * rate);
    expect(ratio).toBeLessThanOrEqual(1);
    expect(ratio).toBeGreaterThanOrEqual(0.98);
  });

  it("paces a rate that is not a whole number of ms per token (3/s) at the rate on average", () => {
    const c = { capacity: 1, ratePerSecond: 3 };
    const times = simulateBacklog(c, 90).filter((t) => t > T0);
    const seconds = (times.at(-1)! - T0) / 1000;
    expect(times.length / seconds).toBeLessThanOrEqual(3);
    expect(times.length / seconds).toBeGreaterThanOrEqual(0.98 * 3);
  });
});
