// Pacing that holds even when the consumers stall after the bucket says "due".
//
// The bucket spaces its answers, but a call reaches the provider some time after its answer:
// the consumer's isolate has to run again, open a connection, write the request. When that delay
// varies by J ms, calls answered over a window W can land within W - J, and a bucket of burst B
// at R/s lets B + R·J calls land at once where the provider expects at most B. The bucket cannot
// see that delay, but it sees its twin: how late booked callers check in (their timers wake late
// for the same reason). So it measures the spread of check-in lateness over the last seconds and
// gives its answers out under a config that stays within (B, R) even after a delay that uneven:
// burst B' and rate R' with B' + R'·J <= B. It gives up burst first (B' = B - R·J), then rate
// (B' = 1, R' = (B - 1) / J). A constant delay (a distant Durable Object, a slow network) bunches
// nothing, so the spread counts, not the lateness itself.

import type { BucketConfig } from "./bucket";

export interface LatenessSample {
  /** When the caller checked in, by the bucket's clock. */
  at: number;
  /** How late it was (0 when on time or early). */
  ms: number;
}

/** How long a lateness is remembered: stalls come and go within seconds on a busy isolate. */
export const JITTER_WINDOW_MS = 30_000;
/** Samples kept at most (the newest): enough to see a stall, small enough to scan per call. */
export const MAX_LATENESS_SAMPLES = 256;
/**
 * Spread above this is treated as this: a stall of seconds (a cold start, a long GC) would
 * otherwise slow the instance to a crawl for the whole window. With burst 5 this keeps at least
 * 4 calls/s; a longer stall can still bunch calls, and the provider's 429s then say so.
 */
export const MAX_JITTER_MS = 1_000;

/** Adds a check-in's lateness and drops what is older than the window or beyond the cap. */
export function recordLateness(samples: LatenessSample[], dueAt: number, now: number): LatenessSample[] {
  const kept = samples.filter((s) => now - s.at < JITTER_WINDOW_MS);
  kept.push({ at: now, ms: Math.max(0, now - dueAt) });
  return kept.length > MAX_LATENESS_SAMPLES ? kept.slice(-MAX_LATENESS_SAMPLES) : kept;
}

/** Spread of recent lateness (max - min within the window), capped; 0 with fewer than 2 samples. */
export function jitterMs(samples: LatenessSample[], now: number): number {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (const s of samples) {
    if (now - s.at >= JITTER_WINDOW_MS) continue;
    min = Math.min(min, s.ms);
    max = Math.max(max, s.ms);
    count++;
  }
  return count < 2 ? 0 : Math.min(MAX_JITTER_MS, max - min);
}

/**
 * The config to give answers under so that calls delayed unevenly by up to `jitter` ms still
 * reach the provider within `config`. A burst of 1 has nothing to give up: any uneven delay can
 * put two calls closer than 1/R, so it is returned as it is (give such a provider a rate below
 * its own, or a burst of 2 or more).
 */
export function jitterSafeConfig(config: BucketConfig, jitter: number): BucketConfig {
  const spare = config.capacity - 1;
  if (!(jitter > 0) || !(spare > 0)) return config;
  const bunched = (config.ratePerSecond * jitter) / 1000;
  if (bunched <= spare) return { capacity: config.capacity - bunched, ratePerSecond: config.ratePerSecond };
  // Floored to the bucket's resolution (0.001/s), never rounded up past the bound.
  const rate = Math.max(0.001, Math.floor((spare * 1_000_000) / jitter) / 1000);
  return { capacity: 1, ratePerSecond: rate };
}
