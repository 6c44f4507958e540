// Pure in-flight lease table. Every lease expires, so a consumer that crashes mid-call cannot
// hold a slot forever; expired leases are dropped before each decision.

export interface Lease {
  id: string;
  /** Units held: 1 per request, or the image count for providers that limit images in flight. */
  weight: number;
  /** Epoch ms; the lease is dead once `now > expiresAt`. */
  expiresAt: number;
}

export interface AcquireOptions {
  max: number;
  ttlMs: number;
  leaseId: string;
  weight?: number;
}

export type AcquireResult =
  | { granted: true; leases: Lease[]; lease: Lease }
  | {
      granted: false;
      leases: Lease[] /** Ms until the next lease expires: an upper bound. */;
      retryAfterMs: number;
    };

export function liveLeases(leases: readonly Lease[], now: number): Lease[] {
  return leases.filter((l) => now <= l.expiresAt);
}

export function inFlightWeight(leases: readonly Lease[], now: number): number {
  return liveLeases(leases, now).reduce((sum, l) => sum + l.weight, 0);
}

export function acquire(leases: readonly Lease[], now: number, opts: AcquireOptions): AcquireResult {
  const weight = opts.weight ?? 1;
  if (!(weight > 0) || !(opts.max > 0) || !(opts.ttlMs > 0)) {
    throw new RangeError(`invalid lease request ${JSON.stringify(opts)}`);
  }
  // Re-acquiring a held id (a retried RPC) renews that lease instead of counting it twice.
  const others = liveLeases(leases, now).filter((l) => l.id !== opts.leaseId);
  const used = others.reduce((sum, l) => sum + l.weight, 0);
  // A lease heavier than `max` would never fit; it runs alone instead of waiting forever.
  const fits = used + weight <= opts.max || (others.length === 0 && weight > opts.max);
  if (!fits) {
    const soonest = Math.min(...others.map((l) => l.expiresAt));
    return { granted: false, leases: others, retryAfterMs: Math.max(1, soonest - now + 1) };
  }
  const lease = { id: opts.leaseId, weight, expiresAt: now + opts.ttlMs };
  return { granted: true, leases: [...others, lease], lease };
}

export function release(
  leases: readonly Lease[],
  leaseId: string,
): { leases: Lease[]; released: Lease | undefined } {
  const released = leases.find((l) => l.id === leaseId);
  return { leases: leases.filter((l) => l.id !== leaseId), released };
}
