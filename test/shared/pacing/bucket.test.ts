import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BucketConfig,
  type BucketState,
  bookingHorizonMs,
  fullBucket,
  lateToleranceMs,
  checkDue,
  rebook,
  refill,
  reserve,
  take,
} from "../../../shared/pacing/bucket";

const T0 = 1_700_000_000_000;
const cfg: BucketConfig = { capacity: 5, ratePerSecond: 2 };
const empty = (now = T0): BucketState => ({ tokens: 0, updatedAt: now });

/** Books `count` tokens at `now` one after the other; every booking must be granted. */
function bookAll(state: BucketState, c: BucketConfig, now: number, count: number, maxWaitMs: number) {
  let s = state;
  const waits: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = reserve(s, c, now, maxWaitMs);
    if (!r.granted) throw new Error("refused");
    waits.push(r.waitMs);
    s = r.state;
  }
  return { state: s, waits };
}

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

describe("reserve", () => {
  const one = { capacity: 1, ratePerSecond: 2 };

  it("grants at once while a token is there, like take", () => {
    const r = reserve(fullBucket(one, T0), one, T0, 1000);
    expect(r).toEqual({ granted: true, state: { tokens: 0, updatedAt: T0 }, waitMs: 0 });
  });

  it("books the following tokens 1/rate apart, into debt", () => {
    const { state: s, waits } = bookAll(fullBucket(one, T0), one, T0, 4, 2000);
    expect(waits).toEqual([0, 500, 1000, 1500]);
    expect(s.tokens).toBe(-3);
    // Debt is paid by refill: 2 s later exactly one token's worth is back.
    expect(refill(s, one, T0 + 2000).tokens).toBe(1);
  });

  it("waits until the token exists, then books the next one 1/rate later", () => {
    // 0.3 tokens, +0.2 by T0 + 100: the missing half token takes 250 ms at 2/s.
    const s = { tokens: 0.3, updatedAt: T0 };
    const r = reserve(s, one, T0 + 100, 1000);
    expect(r).toMatchObject({ granted: true, waitMs: 250 });
    if (!r.granted) return;
    const next = reserve(r.state, one, T0 + 100, 1000);
    expect(next).toMatchObject({ granted: true, waitMs: 750 });
  });

  it("refuses a booking beyond maxWaitMs, debits nothing, and says when one would fit", () => {
    const s = { tokens: -1, updatedAt: T0 };
    const r = reserve(s, one, T0, 600);
    expect(r).toEqual({ granted: false, state: { tokens: -1, updatedAt: T0 }, retryAfterMs: 400 });
    expect(reserve(s, one, T0 + 400, 600)).toMatchObject({ granted: true, waitMs: 600 });
  });

  it("with maxWaitMs 0 it is take", () => {
    const s = { tokens: 0.5, updatedAt: T0 };
    expect(reserve(s, one, T0, 0)).toMatchObject({ granted: false, retryAfterMs: 250 });
  });

  it("never books more than capacity + rate x window due in any window (property)", () => {
    const arb = fc.record({
      capacity: fc.integer({ min: 1, max: 5 }),
      rate: fc.constantFrom(0.7, 1, 2, 3, 5, 13.5),
      maxWaitMs: fc.integer({ min: 0, max: 5000 }),
      gaps: fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 120 }),
    });
    fc.assert(
      fc.property(arb, ({ capacity, rate, maxWaitMs, gaps }) => {
        const c = { capacity, ratePerSecond: rate };
        let s = fullBucket(c, T0);
        let now = T0;
        const due: number[] = [];
        for (const gap of gaps) {
          now += gap;
          const r = reserve(s, c, now, maxWaitMs);
          s = r.state;
          if (r.granted) {
            expect(r.waitMs).toBeLessThanOrEqual(maxWaitMs);
            due.push(now + r.waitMs);
          }
        }
        expectWithinLimit(due, capacity, rate);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a backlog at the rate even when every caller wakes late", () => {
    // Callers book, then call 7 ms after their token is due (timers, RPC): with take and a
    // capacity of 1, each late wake-up would be lost; booked tokens do not drift.
    const c = { capacity: 1, ratePerSecond: 5 };
    let s = fullBucket(c, T0);
    let now = T0;
    const calls: number[] = [];
    while (calls.length < 150) {
      const r = reserve(s, c, now, 3000);
      if (!r.granted) throw new Error("refused");
      s = r.state;
      calls.push(now + r.waitMs + 7);
      now = now + r.waitMs + 7;
    }
    const seconds = (calls.at(-1)! - calls[0]!) / 1000;
    expect((calls.length - 1) / seconds / 5).toBeGreaterThanOrEqual(0.98);
  });
});

/**
 * No more than capacity + rate x window calls due in any window. Due times are whole ms, each
 * rounded up from its exact instant: two may sit up to 1 ms closer than exact, never more.
 */
function expectWithinLimit(due: number[], capacity: number, rate: number) {
  const sorted = [...due].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i; j < sorted.length; j++) {
      const window = sorted[j]! - sorted[i]! + 1;
      expect(j - i + 1).toBeLessThanOrEqual(capacity + Math.floor((window * rate) / 1000));
    }
  }
}

describe("checkDue", () => {
  const c = { capacity: 3, ratePerSecond: 5 };
  const booked = () => bookAll(fullBucket(c, T0), c, T0, 4, 1000).state; // the 4th is due at +200

  it("tells a caller that checks in before its due time how long is left", () => {
    expect(checkDue(booked(), c, T0 + 200, T0 + 130)).toEqual({ kind: "early", waitMs: 70 });
  });

  it("lets a caller call up to its late tolerance (one token, 200 ms here) past its due time", () => {
    expect(checkDue(booked(), c, T0 + 200, T0 + 200)).toEqual({ kind: "due" });
    expect(checkDue(booked(), c, T0 + 200, T0 + 400)).toEqual({ kind: "due" });
  });

  it("books a caller later than that the next token, behind those booked after it", () => {
    const s = bookAll(fullBucket(c, T0), c, T0, 6, 1000).state; // due at 0, 0, 0, +200, +400, +600
    expect(checkDue(s, c, T0 + 200, T0 + 401)).toEqual({
      kind: "rebooked",
      state: { tokens: -1.995, updatedAt: T0 + 401 },
      dueAt: T0 + 800,
      waitMs: 399,
    });
  });
});

describe("rebook", () => {
  it("books a late caller the next token; the one it slept through is spent", () => {
    const c = { capacity: 1, ratePerSecond: 5 };
    const booked = reserve(take(fullBucket(c, T0), c, T0).state, c, T0, 1000);
    expect(booked).toMatchObject({ granted: true, waitMs: 200 });
    // Due at +200, awake at +260: the next token is due at +400.
    const again = rebook(booked.state, c, T0 + 260);
    expect(again.waitMs).toBe(140);
    expect(reserve(again.state, c, T0 + 260, 1000)).toMatchObject({ granted: true, waitMs: 340 });
  });

  it("books the late caller behind the callers booked after it", () => {
    const c = { capacity: 3, ratePerSecond: 5 };
    const { state: s, waits } = bookAll(fullBucket(c, T0), c, T0, 6, 1000);
    expect(waits).toEqual([0, 0, 0, 200, 400, 600]);
    // The caller due at +200 wakes at +250: it goes after the +400 and +600 calls, not onto one.
    expect(rebook(s, c, T0 + 250)).toEqual({ state: { tokens: -2.75, updatedAt: T0 + 250 }, waitMs: 550 });
  });

  it("keeps the calls made within capacity + rate x window, however late callers wake (property)", () => {
    const arb = fc.record({
      capacity: fc.integer({ min: 1, max: 5 }),
      rate: fc.constantFrom(0.7, 1, 2, 5, 13.5, 40),
      steps: fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400 }), late: fc.boolean() }), {
        minLength: 1,
        maxLength: 120,
      }),
    });
    fc.assert(
      fc.property(arb, ({ capacity, rate, steps }) => {
        const c = { capacity, ratePerSecond: rate };
        let s = fullBucket(c, T0);
        let now = T0;
        // Due times of the calls that will be made; a late caller's is replaced by its new one.
        const due: number[] = [];
        for (const { gap, late } of steps) {
          now += gap;
          const overdue = due.findIndex((d) => d < now);
          if (late && overdue >= 0) {
            const r = rebook(s, c, now);
            s = r.state;
            due[overdue] = now + r.waitMs;
            continue;
          }
          const r = reserve(s, c, now, bookingHorizonMs(c, 10_000));
          s = r.state;
          if (r.granted) due.push(now + r.waitMs);
        }
        expectWithinLimit(due, capacity, rate);
      }),
      { numRuns: 300 },
    );
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

describe("lateToleranceMs", () => {
  it("is one token's time for a small burst, a quarter of the burst's for a big one", () => {
    expect(lateToleranceMs({ capacity: 1, ratePerSecond: 5 })).toBe(200);
    expect(lateToleranceMs({ capacity: 5, ratePerSecond: 40 })).toBe(25);
    expect(lateToleranceMs({ capacity: 8, ratePerSecond: 40 })).toBe(50);
    expect(lateToleranceMs({ capacity: 100_000, ratePerSecond: 100_000 })).toBe(250);
    expect(lateToleranceMs({ capacity: 2, ratePerSecond: 0.3 })).toBe(3334);
  });
});

describe("bookingHorizonMs", () => {
  it("is the caller's wait, capped at the time the bucket takes to fill", () => {
    expect(bookingHorizonMs({ capacity: 1, ratePerSecond: 5 }, 3000)).toBe(200);
    expect(bookingHorizonMs({ capacity: 5, ratePerSecond: 40 }, 3000)).toBe(125);
    expect(bookingHorizonMs({ capacity: 100, ratePerSecond: 5 }, 3000)).toBe(3000);
    expect(bookingHorizonMs({ capacity: 1, ratePerSecond: 5 }, -5)).toBe(0);
  });

  it("always admits the next token of a capacity-1 bucket, whatever the rate", () => {
    for (const rate of [0.7, 1, 3, 7, 13.5, 250]) {
      const c = { capacity: 1, ratePerSecond: rate };
      const emptied = take(fullBucket(c, T0), c, T0).state;
      expect(reserve(emptied, c, T0, bookingHorizonMs(c, 60_000)), `rate ${rate}`).toMatchObject({
        granted: true,
      });
    }
  });

  it("keeps at most `capacity` bookings outstanding, so late wake-ups burst no more than the bucket", () => {
    const c = { capacity: 3, ratePerSecond: 5 };
    let s = take(take(take(fullBucket(c, T0), c, T0).state, c, T0).state, c, T0).state;
    const waits: number[] = [];
    for (;;) {
      const r = reserve(s, c, T0, bookingHorizonMs(c, 60_000));
      if (!r.granted) break;
      waits.push(r.waitMs);
      s = r.state;
    }
    expect(waits).toEqual([200, 400, 600]);
  });
});
