// What a pacing object learns from each provider call it paced, summed per minute. The consumer
// hands a CallReport to the TokenBucket with the `release` it makes anyway (no request of its
// own); the object adds it to the minute's CallStats (calls.ts) and stores whole minutes, not
// calls (consumers/src/metrics-store.ts). Pure; the clock is the caller's.
import { addHistogram, binOf, emptyHistogram } from "./histogram";
import { type BucketRange, bucketIndex, MINUTE_MS } from "./window";

/** How a provider call went, as the pacing object is told on release (a call that never ran reports nothing). */
export type CallOutcome = "success" | "retryable_failure" | "rate_limited" | "permanent_failure";

export interface CallReport {
  outcome: CallOutcome;
  /** The job ended with this call: succeeded, or failed for good (no retry, no fallback left); null: it goes on. */
  ended: "succeeded" | "failed" | null;
  /** Time from the job's creation to this call's answer, ms: its time to terminal when `ended`. */
  ageMs: number;
  /** The provider's estimated cost of the call (a success's `cost_usd`), USD. */
  costUsd: number;
}

/** Sums over a minute, or over a bucket of minutes. */
export interface CallStats {
  /** Provider calls made. */
  requests: number;
  /** Calls that failed, other than rate limiting. */
  providerErrors: number;
  /** Calls the provider refused for its rate or concurrency limit (429 and the like). */
  rateLimited: number;
  /** Jobs that ended succeeded / failed with a call. */
  succeeded: number;
  failed: number;
  spendUsd: number;
  /** Times to terminal of the jobs that ended, as a histogram.ts histogram. */
  terminalMs: number[];
}

export interface MinuteStats extends CallStats {
  /** Start of the minute, epoch ms. */
  minute: number;
}

export function emptyStats(): CallStats {
  return {
    requests: 0,
    providerErrors: 0,
    rateLimited: 0,
    succeeded: 0,
    failed: 0,
    spendUsd: 0,
    terminalMs: emptyHistogram(),
  };
}

export function minuteOf(at: number): number {
  return Math.floor(at / MINUTE_MS) * MINUTE_MS;
}

/** Adds one call to `stats` (in place). */
export function recordCall(stats: CallStats, call: CallReport): void {
  stats.requests += 1;
  if (call.outcome === "rate_limited") stats.rateLimited += 1;
  else if (call.outcome !== "success") stats.providerErrors += 1;
  if (call.outcome === "success" && Number.isFinite(call.costUsd) && call.costUsd > 0)
    stats.spendUsd += call.costUsd;
  if (call.ended === null) return;
  if (call.ended === "succeeded") stats.succeeded += 1;
  else stats.failed += 1;
  const bin = binOf(call.ageMs);
  stats.terminalMs[bin] = (stats.terminalMs[bin] ?? 0) + 1;
}

/** Adds `from` into `into` (in place). */
export function addStats(into: CallStats, from: CallStats): void {
  into.requests += from.requests;
  into.providerErrors += from.providerErrors;
  into.rateLimited += from.rateLimited;
  into.succeeded += from.succeeded;
  into.failed += from.failed;
  into.spendUsd += from.spendUsd;
  addHistogram(into.terminalMs, from.terminalMs);
}

/** Minutes summed into the range's buckets, one per bucket, zero-filled; minutes outside are left out. */
export function bucketize(minutes: Iterable<MinuteStats>, range: BucketRange): CallStats[] {
  const out = Array.from({ length: range.count }, emptyStats);
  for (const m of minutes) {
    const i = bucketIndex(range, m.minute);
    if (i >= 0) addStats(out[i]!, m);
  }
  return out;
}

/**
 * Whether a job ended with a call, from how the call went: a success ends it succeeded; an error
 * that is not retryable ends it failed unless it moves the job to a fallback provider. A
 * retryable error never ends it here (it is retried, or dead-lettered once its attempts are spent:
 * dead letters are counted from D1).
 */
export function jobEnd(
  outcome: CallOutcome,
  error: { retryable: boolean; worthFallback: boolean } | null,
  canFallBack: boolean,
): CallReport["ended"] {
  if (outcome === "success") return "succeeded";
  if (!error || error.retryable) return null;
  return error.worthFallback && canFallBack ? null : "failed";
}
