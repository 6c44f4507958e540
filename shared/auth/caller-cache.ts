// The key -> caller lookup every request makes, cached per isolate for a few seconds so a busy
// key does not cost a D1 read per request. The bound: a revoked, expired or disabled key keeps
// working at most CALLER_CACHE_TTL_MS in isolates that looked it up just before the change (the
// isolate that made the change forgets it at once: `forgetCaller`).
import type { Db } from "../db/client";
import { type Caller, findCallerByHash } from "../db/queries/api-keys";
import { TtlCache } from "../ttl-cache";

export const CALLER_CACHE_TTL_MS = 10_000;

// Unknown keys are cached too (as null), so a flood of bad keys costs one read each per TTL.
const cache = new TtlCache<Caller | null>(CALLER_CACHE_TTL_MS, 10_000);

export async function callerForKeyHash(db: Db, keyHash: string, now: number): Promise<Caller | null> {
  const hit = cache.get(keyHash, now);
  if (hit !== undefined) return hit;
  const caller = await findCallerByHash(db, keyHash, now);
  cache.set(keyHash, caller, now);
  return caller;
}

/** Drops a key from this isolate's cache (after its own revoke/rotate); other isolates follow within the TTL. */
export function forgetCaller(keyHash: string): void {
  cache.delete(keyHash);
}
