// When a change stops keys (an archived instance, a disabled organization), this isolate forgets
// them at once; other isolates follow within CALLER_CACHE_TTL_MS (shared/auth/caller-cache.ts).
import type { SQL } from "drizzle-orm";
import { forgetCaller } from "../auth/caller-cache";
import type { Db } from "../db/client";
import { apiKeys } from "../db/schema";

/** Drops every key matching `where` (its current and any rotated-out secret) from the caller cache. */
export async function forgetKeys(db: Db, where: SQL): Promise<void> {
  const rows = await db
    .select({ keyHash: apiKeys.keyHash, previousKeyHash: apiKeys.previousKeyHash })
    .from(apiKeys)
    .where(where)
    .all();
  for (const row of rows) {
    forgetCaller(row.keyHash);
    if (row.previousKeyHash) forgetCaller(row.previousKeyHash);
  }
}
