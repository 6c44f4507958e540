// An instance's provider settings as operators edit them: the `provider_limits` rows (pacing per
// provider) and `instances.fallback_providers` (the default fallback chain). Every query is scoped
// to one instance. The consumer reads the same data through loadInstanceSettings.
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { ProviderName } from "../../jobs/enums";
import type { Db } from "../client";
import { instances, providerLimits } from "../schema";

export type ProviderLimitRow = typeof providerLimits.$inferSelect;

export interface ProviderLimitValues {
  ratePerSecond: number;
  burst: number;
  maxInFlight: number;
  /** Text calls' tokens per minute; null: the provider's default. */
  tokensPerMinute?: number | null;
}

/** Statements to run in the same batch as a change (e.g. its audit record). */
type AlongWith = BatchItem<"sqlite">[];

export function listProviderLimitRows(db: Db, instanceId: string): Promise<ProviderLimitRow[]> {
  return db.select().from(providerLimits).where(eq(providerLimits.instanceId, instanceId));
}

const ofProvider = (instanceId: string, provider: ProviderName) =>
  and(eq(providerLimits.instanceId, instanceId), eq(providerLimits.provider, provider));

/** The instance's own limits for one provider, or null when it uses the defaults. */
export async function findProviderLimitRow(
  db: Db,
  instanceId: string,
  provider: ProviderName,
): Promise<ProviderLimitRow | null> {
  return (await db.select().from(providerLimits).where(ofProvider(instanceId, provider)).get()) ?? null;
}

/** Inserts or replaces the instance's limits for one provider; returns the stored row. */
export async function upsertProviderLimit(
  db: Db,
  instanceId: string,
  provider: ProviderName,
  values: ProviderLimitValues,
  now: number,
  alongWith: AlongWith = [],
): Promise<ProviderLimitRow> {
  const upsert = db
    .insert(providerLimits)
    .values({ instanceId, provider, ...values, updatedAt: now })
    .onConflictDoUpdate({
      target: [providerLimits.instanceId, providerLimits.provider],
      set: { ...values, updatedAt: now },
    })
    .returning();
  const [[row]] = await db.batch([upsert, ...alongWith]);
  if (!row) throw new Error(`provider_limits upsert for ${provider} returned no row`);
  return row;
}

/** Removes the instance's own limits for one provider (back to the defaults); true if a row went. */
export async function deleteProviderLimit(
  db: Db,
  instanceId: string,
  provider: ProviderName,
  alongWith: AlongWith = [],
): Promise<boolean> {
  const remove = db
    .delete(providerLimits)
    .where(ofProvider(instanceId, provider))
    .returning({ provider: providerLimits.provider });
  const [gone] = await db.batch([remove, ...alongWith]);
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
  alongWith: AlongWith = [],
): Promise<string[] | null> {
  const update = db
    .update(instances)
    .set({ fallbackProviders: chain })
    .where(eq(instances.id, instanceId))
    .returning({ fallbackProviders: instances.fallbackProviders });
  const [[row]] = await db.batch([update, ...alongWith]);
  return row?.fallbackProviders ?? null;
}
