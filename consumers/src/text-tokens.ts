// A TokenBucket's tokens-per-minute side, for text calls (shared/pacing/token-budget.ts holds the
// arithmetic): the bucket, persisted through the object's PacingStore, and what each live text
// lease took, so its release gives back what the call did not use.
import type { BucketState } from "../../shared/pacing/bucket";
import { refundTokens, type TokenTake, takeTokens } from "../../shared/pacing/token-budget";
import type { PacingStore } from "./pacing-store";
import type { ReleaseOutcome } from "./pacing-types";

export class TextTokens {
  /** null until the first text call. */
  private bucket: BucketState | null;
  /**
   * Tokens each live text lease took. In memory: after an eviction a release refunds nothing, and
   * the bucket refills within the minute anyway.
   */
  private readonly holds = new Map<string, { taken: number; tokensPerMinute: number }>();

  constructor(private readonly store: PacingStore) {
    this.bucket = store.loadTokenBudget();
  }

  /** A look at whether `estimate` fits now; nothing is kept until `hold`. */
  take(tokensPerMinute: number, estimate: number, now: number): TokenTake {
    return takeTokens(this.bucket, tokensPerMinute, estimate, now);
  }

  /** Keeps a granted take for the lease that got it. */
  hold(leaseId: string, took: Extract<TokenTake, { allowed: true }>, tokensPerMinute: number): void {
    this.bucket = took.state;
    this.store.saveTokenBudget(took.state);
    this.holds.set(leaseId, { taken: took.taken, tokensPerMinute });
  }

  /** Forgets the holds of leases no longer live (expired unreleased: nothing left to refund). */
  prune(isLive: (leaseId: string) => boolean): void {
    for (const id of this.holds.keys()) if (!isLive(id)) this.holds.delete(id);
  }

  /**
   * A text lease's unused tokens go back: the estimate less the usage its provider reported. A call
   * that never reached the provider used none; any other call without usage keeps them all.
   */
  release(leaseId: string, outcome: ReleaseOutcome, used: number | undefined, now: number): void {
    const hold = this.holds.get(leaseId);
    if (!hold || !this.bucket) return;
    this.holds.delete(leaseId);
    const unused = hold.taken - (used ?? (outcome === "not_called" ? 0 : hold.taken));
    if (unused <= 0) return;
    this.bucket = refundTokens(this.bucket, hold.tokensPerMinute, unused, now);
    this.store.saveTokenBudget(this.bucket);
  }
}
