// What a TokenBucket holds right now, read inside the object (runInDurableObject) rather than
// through an RPC of its own: the object exposes only what the consumer calls.
import { runInDurableObject } from "cloudflare:test";
import { type BucketConfig, refill } from "../../shared/pacing/bucket";
import { type CircuitStatus, closedCircuit } from "../../shared/pacing/circuit";
import { inFlightWeight, type Lease } from "../../shared/pacing/in-flight";
import { jitterMs, jitterSafeConfig, type LatenessSample } from "../../shared/pacing/jitter";
import type { Pacing, ResolvedLimits } from "../../consumers/src/pacing-types";
import type { TokenBucket } from "../../consumers/src/token-bucket";

export interface BucketState {
  limits: ResolvedLimits | null;
  /** Tokens now, refilled under the instance's own limits. */
  tokens: number;
  inFlight: number;
  /** Live leases. */
  leases: number;
  circuit: { status: CircuitStatus; failures: number; openedAt: number | null };
  /** Spread of recent check-in lateness (jitter.ts), and the limits answers are given under meanwhile. */
  jitterMs: number;
  answering: BucketConfig | null;
}

/** The object's private fields, as the class keeps them. */
interface Internals {
  pacing: Pacing | null;
  leases: Lease[];
  lateness: LatenessSample[];
}

export function bucketState(stub: DurableObjectStub<TokenBucket>): Promise<BucketState> {
  return runInDurableObject(stub, (instance: TokenBucket) => {
    const { pacing: p, leases, lateness } = instance as unknown as Internals;
    const now = Date.now();
    const own = p && { capacity: p.limits.burst, ratePerSecond: p.limits.ratePerSecond };
    const { status, failures, openedAt } = p?.circuit ?? closedCircuit();
    return {
      limits: p?.limits ?? null,
      tokens: p && own ? refill(p.bucket, own, now).tokens : 0,
      inFlight: inFlightWeight(leases, now),
      leases: leases.filter((l) => now <= l.expiresAt).length,
      circuit: { status, failures, openedAt },
      jitterMs: jitterMs(lateness, now),
      answering: own ? jitterSafeConfig(own, jitterMs(lateness, now)) : null,
    };
  });
}
