// The Standard Webhooks retry schedule as pure functions; the consumer owns the clock and the queue.

/**
 * Wait after failed attempt n (index n-1) before attempt n+1; attempt 1 goes out immediately, so
 * there are 10 attempts spread over ~3 days.
 */
export const retryScheduleSeconds = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400] as const;
/** Cloudflare Queues refuse a delivery delay above 12 h, so longer waits are split into hops. */
export const maxQueueDelaySeconds = 43_200;
/** A receiver's Retry-After may stretch a step, but never past a day. */
export const maxRetryAfterSeconds = 86_400;

// Statuses whose Retry-After we honour: rate limiting and gateway trouble in front of the receiver.
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 502, 504]);

/**
 * Full wait before the next attempt after `attemptNumber` (1-based) failed, or null to give up.
 * May exceed 12 h: feed it to `planHops`.
 */
export function retryStepSeconds(attemptNumber: number, retryAfterSeconds?: number): number | null {
  const step = retryScheduleSeconds[attemptNumber - 1];
  if (step === undefined) return null; // the last attempt failed (or a nonsense number): give up
  // Retry-After only ever lengthens the wait: a receiver cannot make us hammer it faster than the schedule.
  if (retryAfterSeconds === undefined || !Number.isFinite(retryAfterSeconds)) return step;
  return Math.max(step, Math.min(Math.ceil(retryAfterSeconds), maxRetryAfterSeconds));
}

export interface Hop {
  /** `delaySeconds` for this enqueue. */
  delaySeconds: number;
  /** Wait still owed after this hop: carry it in the message; deliver only when it reaches 0. */
  remainingSeconds: number;
}

/** Splits a wait into queue hops of at most 12 h; `planHops(msg.remainingSeconds)[0]` is the next one. */
export function planHops(totalSeconds: number): Hop[] {
  let remaining = Math.max(0, Math.ceil(totalSeconds));
  const hops: Hop[] = [];
  do {
    const delaySeconds = Math.min(remaining, maxQueueDelaySeconds);
    remaining -= delaySeconds;
    hops.push({ delaySeconds, remainingSeconds: remaining });
  } while (remaining > 0);
  return hops;
}

/** Retry-After (delta-seconds or HTTP-date) in seconds, only for statuses where we honour it. */
export function retryAfterSeconds(status: number, header: string | null, now: Date): number | undefined {
  if (!RETRY_AFTER_STATUSES.has(status) || !header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  // HTTP-dates start with a day name; guarding on it keeps Date.parse's leniency ("-5" is a year) out.
  const at = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** Only 2xx acknowledges a delivery. */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status <= 299;
}

export type DeliveryOutcome = "delivered" | "retry" | "gone";

export function deliveryOutcome(result: number | "timeout" | "network_error"): DeliveryOutcome {
  // No response at all: the receiver may just be restarting.
  if (result === "timeout" || result === "network_error") return "retry";
  if (isSuccessStatus(result)) return "delivered";
  // 410 Gone: the receiver says the endpoint no longer exists; stop every delivery to that URL.
  if (result === 410) return "gone";
  // Everything else retries, including 3xx (redirects are never followed: a redirect could point
  // at an internal host the URL check never saw) and other 4xx (often a receiver bug fixed in time).
  return "retry";
}
