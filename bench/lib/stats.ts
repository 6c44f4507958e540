// Pure figures for the bench: percentiles, rates over a steady window, the most calls seen in
// any window of a given length. Unit-tested in test/scripts/bench-stats.test.ts.

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Percentile by linear interpolation between closest ranks (R type 7); NaN for no values. */
export function percentile(sortedAscending: readonly number[], p: number): number {
  const n = sortedAscending.length;
  if (n === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} outside 0..100`);
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sortedAscending[lo]!;
  const b = sortedAscending[hi]!;
  return a + (b - a) * (rank - lo);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

export interface SteadyRate {
  /** Calls inside [start, end). */
  calls: number;
  start: number;
  end: number;
  windowMs: number;
  ratePerSecond: number;
}

/**
 * Calls per second over the steady window: from the first call + trimMs to the last call -
 * trimMs (start-up and tail excluded). Null when fewer than two calls or no window is left.
 */
export function steadyRate(timestamps: readonly number[], trimMs = 1000): SteadyRate | null {
  if (timestamps.length < 2) return null;
  const sorted = [...timestamps].sort((a, b) => a - b);
  const start = sorted[0]! + trimMs;
  const end = sorted.at(-1)! - trimMs;
  if (!(end > start)) return null;
  const calls = sorted.filter((t) => t >= start && t < end).length;
  const windowMs = end - start;
  return { calls, start, end, windowMs, ratePerSecond: calls / (windowMs / 1000) };
}

/** The most timestamps that fall in any half-open window [t, t + windowMs). */
export function maxInWindow(timestamps: readonly number[], windowMs: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Gaps between consecutive timestamps (sorted), in ms. */
export function gaps(timestamps: readonly number[]): number[] {
  const sorted = [...timestamps].sort((a, b) => a - b);
  return sorted.slice(1).map((t, i) => t - sorted[i]!);
}

/** Rounds for printing and JSON: 3 significant decimals at most. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function roundSummary(s: Summary, digits = 1): Summary {
  return {
    count: s.count,
    min: round(s.min, digits),
    p50: round(s.p50, digits),
    p90: round(s.p90, digits),
    p99: round(s.p99, digits),
    max: round(s.max, digits),
    mean: round(s.mean, digits),
  };
}
