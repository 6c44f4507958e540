// Pure queue-level delays. Cloudflare Queues take whole-second delays up to 12 hours, so every
// delay here is an integer in [0, 43200]; sub-second waits are better slept in-process.

/** Cloudflare Queues' largest `delaySeconds`. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200;

export interface BackoffConfig {
  baseSeconds: number;
  maxSeconds: number;
  /**
   * "equal" (default) waits at least half the step, so a failing provider is not hit again at
   * once; "full" spreads retries over [0, step] for the least synchronised retry storms.
   */
  jitter?: "full" | "equal";
}

/** Delay before retry number `attempt` (1-based, as `message.attempts`). */
export function queueRetryDelaySeconds(
  attempt: number,
  cfg: BackoffConfig,
  random: () => number = Math.random,
): number {
  const cap = Math.min(cfg.maxSeconds, MAX_QUEUE_DELAY_SECONDS);
  // Capping the exponent keeps 0 * 2 ** 1024 (NaN) and Infinity out of the arithmetic.
  const exponent = Math.min(52, Math.max(0, Math.floor(attempt) - 1) || 0);
  const step = Math.floor(Math.max(0, Math.min(cap, cfg.baseSeconds * 2 ** exponent)));
  const r = Math.min(Math.max(random(), 0) || 0, 1 - Number.EPSILON);
  // Integer-uniform over [floor, step] so the jittered delay never exceeds the capped step.
  const floor = cfg.jitter === "full" ? 0 : Math.ceil(step / 2);
  return floor + Math.floor(r * (step - floor + 1));
}

/** A rate-limit wait as a queue delay: whole seconds rounded up (never early), at least 1. */
export function deferDelaySeconds(retryAfterMs: number): number {
  const seconds = Math.ceil(Math.max(0, retryAfterMs) / 1000);
  return Math.min(
    MAX_QUEUE_DELAY_SECONDS,
    Math.max(1, Number.isFinite(seconds) ? seconds : MAX_QUEUE_DELAY_SECONDS),
  );
}
