// An instance's provider settings as operators edit them: the `provider_limits` rows (pacing per
// provider) and `instances.fallback_providers` (the default fallback chain). Every query is scoped
// to one instance. The consumer reads the same data through loadInstanceSettings.
import { and, eq } from "drizzle-orm";
import type { ProviderName } from "../../jobs/enums";
import type { Db } from "../client";
import { instances, providerLimits } from "../schema";

export type ProviderLimitRow = typeof providerLimits.$inferSelect;

export interface ProviderLimitValues {
  ratePerSecond: number;
  burst: number;
  maxInFlight: number;
}

export function listProviderLimitRows(db: Db, instanceId: string): Promise<ProviderLimitRow[]> {
  return db.select().from(providerLimits).where(eq(providerLimits.instanceId, instanceId));
}

/** Inserts or replaces the instance's limits for one provider; returns the stored row. */
export async function upsertProviderLimit(
  db: Db,
  instanceId: string,
  provider: ProviderName,
  values: ProviderLimitValues,
  now: number,
): Promise<ProviderLimitRow> {
  const [row] = await db
    .insert(providerLimits)
    .values({ instanceId, provider, ...values, updatedAt: now })
    .onConflictDoUpdate({
      target: [providerLimits.instanceId, providerLimits.provider],
      set: { ...values, updatedAt: now },
    })
    .returning();
  if (!row) throw new Error(`provider_limits upsert for ${provider} returned no row`);
  return row;
}

/** Removes the instance's own limits for one provider (back to the defaults); true if a row went. */
export async function deleteProviderLimit(
  db: Db,
  instanceId: string,
  provider: ProviderName,
): Promise<boolean> {
  const gone = await db
    .delete(providerLimits)
    .where(and(eq(providerLimits.instanceId, instanceId), eq(providerLimits.provider, provider)))
    .returning({ provider: providerLimits.provider });
  return gone.length > 0;
}

export async function getFallbackProviders(db: Db, instanceId: string): Promise<string[] | null> {
  const row = await db
    .select({ fallbackProviders: instances.fallbackProviders })
    .from(instances)
    .where(eq(instances.id, instanceId))
    .get();
  return row?.fallbackProviders ?? null;
}

/** Sets (or, with null, clears) the instance's default fallback chain; returns what is stored. */
export async function setFallbackProviders(
  db: Db,
  instanceId: string,
  chain: ProviderName[] | null,
): Promise<string[] | null> {
  const [row] = await db
    .update(instances)
    .set({ fallbackProviders: chain })
    .where(eq(instances.id, instanceId))
    .returning({ fallbackProviders: instances.fallbackProviders });
  return row?.fallbackProviders ?? null;
}
