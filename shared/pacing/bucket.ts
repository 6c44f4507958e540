// Pure token bucket with the clock injected. Refill is computed from the stored timestamp on
// every call (no timer, no drift). Arithmetic runs on integer micro-tokens over integer
// milliseconds so that fractional tokens accumulate exactly and `retryAfterMs` is exact:
// taking at `now + retryAfterMs` succeeds, one millisecond earlier fails. With a backlog whose
// callers retry at `retryAfterMs`, calls therefore run at the rate and never above it.

export interface BucketState {
  /** Tokens available at `updatedAt` (may be fractional; negative while tokens are booked ahead). */
  tokens: number;
  /** Epoch ms (an integer, as from Date.now) of the last refill. */
  updatedAt: number;
}

export interface BucketConfig {
  /** Burst: the most tokens the bucket holds. */
  capacity: number;
  /** Sustained refill rate, resolved to 0.001 tokens/s. */
  ratePerSecond: number;
}

export interface TakeResult {
  allowed: boolean;
  state: BucketState;
  /** Whole tokens left after this take. */
  remaining: number;
  /** Ms until `cost` tokens exist; 0 when allowed. */
  retryAfterMs: number;
  limit: number;
  /** Ms until the bucket is full again. */
  reset: number;
}

/** Micro-tokens per token. Rates are floored to whole micro-tokens per ms (0.001/s). */
const SCALE = 1_000_000;

const toUnits = (tokens: number) => Math.round(tokens * SCALE);

/** Rate in micro-tokens per ms, floored so the bucket never runs above the configured rate. */
function unitsPerMs(config: BucketConfig): number {
  const units = Math.floor(config.ratePerSecond * 1000);
  if (!(units >= 1) || !(config.capacity > 0)) {
    throw new RangeError(`invalid bucket config ${JSON.stringify(config)}: rate >= 0.001/s, capacity > 0`);
  }
  return units;
}

/** A bucket seen for the first time starts full. */
export function fullBucket(config: BucketConfig, now: number): BucketState {
  return { tokens: config.capacity, updatedAt: now };
}

export function refill(state: BucketState, config: BucketConfig, now: number): BucketState {
  const rate = unitsPerMs(config);
  const cap = toUnits(config.capacity);
  const have = Math.min(toUnits(state.tokens), cap);
  // A clock that steps back adds nothing, and keeping the later stamp stops the same interval
  // from being counted twice once the clock catches up.
  const elapsed = now - state.updatedAt;
  if (!(elapsed > 0)) return { tokens: have / SCALE, updatedAt: state.updatedAt };
  const gained = Math.floor(elapsed * rate);
  return { tokens: Math.min(cap, have + gained) / SCALE, updatedAt: now };
}

function msUntil(needUnits: number, rate: number): number {
  return needUnits > 0 ? Math.ceil(needUnits / rate) : 0;
}

export function take(state: BucketState, config: BucketConfig, now: number, cost = 1): TakeResult {
  const rate = unitsPerMs(config);
  if (!(cost > 0) || cost > config.capacity) {
    // Waiting never helps a cost above capacity, so it is a caller bug rather than a denial.
    throw new RangeError(`take cost ${cost} must be > 0 and <= capacity ${config.capacity}`);
  }
  const cap = toUnits(config.capacity);
  const current = refill(state, config, now);
  const have = toUnits(current.tokens);
  const need = toUnits(cost);
  const allowed = have >= need;
  // After a clock step back, refill resumes only once `now` passes the stored stamp.
  const lag = Math.max(0, current.updatedAt - now);
  // A denied take debits nothing: the caller's state is only refilled.
  const left = allowed ? have - need : have;
  const next = { tokens: left / SCALE, updatedAt: current.updatedAt };
  return {
    allowed,
    state: next,
    remaining: Math.floor(left / SCALE),
    retryAfterMs: allowed ? 0 : lag + msUntil(need - have, rate),
    limit: config.capacity,
    reset: left >= cap ? 0 : lag + msUntil(cap - left, rate),
  };
}

export type ReserveResult =
  | {
      granted: true;
      state: BucketState;
      /** Ms to wait before using the token; 0: now. */
      waitMs: number;
    }
  | {
      granted: false;
      state: BucketState;
      /** Ms until a reservation would fit in `maxWaitMs`. */
      retryAfterMs: number;
    };

/**
 * `take` for a caller willing to wait up to `maxWaitMs`: the next token is booked now and the
 * bucket goes into debt (negative tokens) until it falls due. Every booking is due exactly 1/rate
 * after the one before, so callers that wait out `waitMs` keep a backlog at the rate; with
 * polling, each late wake-up is lost for good once the bucket sits at capacity. A refused
 * booking debits nothing.
 */
export function reserve(
  state: BucketState,
  config: BucketConfig,
  now: number,
  maxWaitMs: number,
  cost = 1,
): ReserveResult {
  const asTake = take(state, config, now, cost);
  if (asTake.allowed) return { granted: true, state: asTake.state, waitMs: 0 };
  const waitMs = asTake.retryAfterMs;
  if (waitMs > Math.max(0, maxWaitMs)) {
    return { granted: false, state: asTake.state, retryAfterMs: waitMs - Math.max(0, maxWaitMs) };
  }
  const tokens = (toUnits(asTake.state.tokens) - toUnits(cost)) / SCALE;
  return { granted: true, state: { tokens, updatedAt: asTake.state.updatedAt }, waitMs };
}

/**
 * How far ahead a booking may fall due: the caller's wait, but never more than the bucket holds
 * (capacity / rate). Then at most `capacity` bookings are outstanding at any time, so callers
 * that all wake late (a stalled machine) release no bigger burst than the bucket itself allows.
 */
export function bookingHorizonMs(config: BucketConfig, maxWaitMs: number): number {
  const fullBucketMs = msUntil(toUnits(config.capacity), unitsPerMs(config));
  return Math.max(0, Math.min(maxWaitMs, fullBucketMs));
}

/**
 * For a caller that woke too late to call on time: it books the next token. Calling late would
 * bunch its call with the ones booked after it; booked again, the call falls on the schedule.
 * Its unused token is spent: the due times booked after it were worked out with it spent, so
 * giving it back would book this caller onto one of them (and a caller that is late by only a
 * little may be calling right now). Always granted, however deep the debt.
 */
export function rebook(
  state: BucketState,
  config: BucketConfig,
  now: number,
): { state: BucketState; waitMs: number } {
  const booked = reserve(state, config, now, Number.MAX_SAFE_INTEGER);
  if (!booked.granted) throw new Error("unreachable: a booking without a wait limit is always granted");
  return { state: booked.state, waitMs: booked.waitMs };
}

/**
 * How late a booked caller may call before it must book again: the time a quarter of the burst
 * takes to refill, and never less than one token's. A call this late lands at most that many
 * tokens early on the calls booked after it, so a provider sees at most
 * burst + max(1, burst / 4) calls in any window. A tighter bound would cost a big bucket a
 * re-booking (a round trip to the TokenBucket) on nearly every call for nothing.
 */
export function lateToleranceMs(config: BucketConfig): number {
  const tokens = Math.max(1, Math.floor(config.capacity / 4));
  return Math.ceil((tokens * 1000) / config.ratePerSecond);
}

/** What the bucket tells a booked caller that checks in right before its call. */
export type DueCheck =
  | { kind: "due" }
  /** Woke before its token fell due (its own clock ran behind the bucket's): wait this long. */
  | { kind: "early"; waitMs: number }
  /** Woke too late to call on time: booked again (`rebook`), due at `dueAt`. */
  | { kind: "rebooked"; state: BucketState; dueAt: number; waitMs: number };

/**
 * Judges a booked caller by the bucket's clock, not the caller's. Inside a Worker, Date.now()
 * never runs past the isolate's next pending timer (a Spectre mitigation): a caller whose
 * isolate stalled wakes with its clock saying "on time" however late it is, together with every
 * other timer that fell due during the stall, and their calls reach the provider as one clump.
 * The bucket's clock, in another object, sees the stall.
 */
export function checkDue(state: BucketState, config: BucketConfig, dueAt: number, now: number): DueCheck {
  if (now < dueAt) return { kind: "early", waitMs: dueAt - now };
  if (now - dueAt <= lateToleranceMs(config)) return { kind: "due" };
  const booked = rebook(state, config, now);
  return { kind: "rebooked", state: booked.state, dueAt: now + booked.waitMs, waitMs: booked.waitMs };
}

export function isFull(state: BucketState, config: BucketConfig, now: number): boolean {
  return toUnits(refill(state, config, now).tokens) >= toUnits(config.capacity);
}
