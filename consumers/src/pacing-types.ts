// The TokenBucket's RPC contract and the state it keeps, in a module of their own: the object
// (token-bucket.ts), its storage (pacing-store.ts) and the consumer's side (pacing.ts) all use
// them, and none of those need import another for a type.
import type { BucketState } from "../../shared/pacing/bucket";
import type { CircuitState } from "../../shared/pacing/circuit";
import type { ProviderDefaultLimits } from "../../shared/providers/types";

export interface PacingLimits extends ProviderDefaultLimits {
  /** How long a granted call may hold its slot if it never releases (crashed consumer). */
  leaseTtlMs?: number;
  failureThreshold?: number;
  cooldownMs?: number;
  /** Text calls: prompt + completion tokens per minute (token-budget.ts); absent: not limited. */
  tokensPerMinute?: number;
}
/** The limits kept with the state; tokens per minute is read from each request instead. */
export type ResolvedLimits = Required<Omit<PacingLimits, "tokensPerMinute">>;

export interface AcquireRequest {
  /** Unique per call attempt; re-acquiring a held id renews that lease. */
  leaseId: string;
  /** In-flight units (images for Ideogram); defaults to 1. The bucket always takes 1 token. */
  weight?: number;
  /** A text call's token estimate, taken from the tokens-per-minute bucket when limits set one. */
  tokens?: number;
  /**
   * Effective priority (shared/pacing/priority.ts; 0 when absent). While a caller of higher
   * priority waits here for a slot, a lower one is not granted one.
   */
  priority?: number;
  /** The instance's limits, from D1: passed with every call, as they may change at any time. */
  limits: PacingLimits;
  /**
   * How long the caller will wait, in all, for its slot (0, the default: only a slot free now).
   * Capped at MAX_BOOKING_MS. Bookings reach no further than the booking horizon (bucket.ts);
   * an open circuit is answered at once.
   */
  maxWaitMs?: number;
}
export type AcquireResponse =
  | {
      granted: true;
      leaseId: string;
      leaseExpiresAt: number;
      probe: boolean;
      /** Wait this long before the call: the booked token falls due then (pacing.ts `untilDue`). */
      waitMs: number;
      /** When the token falls due, by this object's clock: the caller checks in with it. */
      dueAt: number;
    }
  | {
      granted: false;
      retryAfterMs: number;
      reason: AcquireDenial;
    };
export type CheckInResponse =
  | { kind: "due" }
  | { kind: "early"; waitMs: number }
  | { kind: "rebooked"; dueAt: number; waitMs: number };
/**
 * How the call went. `rate_limited` (the provider said 429 / in-flight limit) is no sign of an
 * outage: it never opens the circuit, and it gives no verdict on a half-open probe.
 */
export type ReleaseOutcome =
  | "success"
  | "retryable_failure"
  | "rate_limited"
  | "permanent_failure"
  | "not_called";

/** What a TokenBucket keeps in its `pacing` row (pacing-store.ts); leases have rows of their own. */
export interface Pacing {
  /** The last limits seen, so `release`, `checkIn` and the idle alarm work without any. */
  limits: ResolvedLimits;
  bucket: BucketState;
  circuit: CircuitState;
  /** The lease holding the half-open probe slot, so its outcome can free the slot. */
  probeLeaseId: string | null;
  lastActiveAt: number;
}

/** Why a slot was not granted; pacing_unavailable is the caller's own, when the object did not answer in time. */
export type AcquireDenial = "rate" | "in_flight" | "circuit_open" | "pacing_unavailable";
