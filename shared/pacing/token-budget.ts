// Tokens per minute, for text calls: a second bucket beside the request bucket, holding one
// minute of tokens and refilling at tpm/60 a second. A call takes its whole estimate (prompt +
// max_tokens) before it starts, since a provider counts the allowance too, and gets back what its
// reported usage left unused when it ends. Pure, with the clock injected (bucket.ts's arithmetic).
import { type BucketConfig, type BucketState, fullBucket, refill, take } from "./bucket";

export function tokenBucketConfig(tokensPerMinute: number): BucketConfig {
  return { capacity: tokensPerMinute, ratePerSecond: tokensPerMinute / 60 };
}

export type TokenTake =
  | { allowed: true; state: BucketState; taken: number }
  | { allowed: false; state: BucketState; retryAfterMs: number };

/** Takes `estimate` tokens (at most a minute's worth: a larger call could never start). */
export function takeTokens(
  state: BucketState | null,
  tokensPerMinute: number,
  estimate: number,
  now: number,
): TokenTake {
  const config = tokenBucketConfig(tokensPerMinute);
  const cost = Math.max(1, Math.min(Math.ceil(estimate), tokensPerMinute));
  const took = take(state ?? fullBucket(config, now), config, now, cost);
  return took.allowed
    ? { allowed: true, state: took.state, taken: cost }
    : { allowed: false, state: took.state, retryAfterMs: took.retryAfterMs };
}

/** Gives back tokens a call held but did not use, never above the bucket's capacity. */
export function refundTokens(
  state: BucketState,
  tokensPerMinute: number,
  unused: number,
  now: number,
): BucketState {
  const config = tokenBucketConfig(tokensPerMinute);
  const current = refill(state, config, now);
  if (!(unused > 0)) return current;
  return { tokens: Math.min(config.capacity, current.tokens + unused), updatedAt: current.updatedAt };
}
