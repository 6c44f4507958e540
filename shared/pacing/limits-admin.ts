// Effective pacing limits per provider as the admin API shows them: the instance's own row when
// it has one, else the adapter's defaults (the same choice the consumer's limitsFor makes).
// The consumer caches instance settings for 30 s per isolate, so changes apply within that time.
import type { Db } from "../db/client";
import {
  deleteProviderLimit,
  listProviderLimitRows,
  type ProviderLimitRow,
  type ProviderLimitValues,
  upsertProviderLimit,
} from "../db/queries/provider-limits";
import { type ProviderName, providerNames } from "../jobs/enums";
import { getProvider } from "../providers/registry";

export const limitSources = ["instance", "default"] as const;
export type LimitSource = (typeof limitSources)[number];

export interface EffectiveProviderLimit extends ProviderLimitValues {
  provider: ProviderName;
  source: LimitSource;
}

export function effectiveLimit(
  provider: ProviderName,
  own: Pick<ProviderLimitRow, "ratePerSecond" | "burst" | "maxInFlight"> | undefined,
): EffectiveProviderLimit {
  const { ratePerSecond, burst, maxInFlight } = own ?? getProvider(provider).defaultLimits;
  return { provider, ratePerSecond, burst, maxInFlight, source: own ? "instance" : "default" };
}

/** Every known provider, in `providerNames` order, with the limits the consumer would use. */
export async function listEffectiveLimits(db: Db, instanceId: string): Promise<EffectiveProviderLimit[]> {
  const rows = await listProviderLimitRows(db, instanceId);
  const own = new Map(rows.map((row) => [row.provider, row]));
  return providerNames.map((provider) => effectiveLimit(provider, own.get(provider)));
}

export async function setInstanceLimit(
  db: Db,
  instanceId: string,
  provider: ProviderName,
  values: ProviderLimitValues,
  now: number,
): Promise<EffectiveProviderLimit> {
  return effectiveLimit(provider, await upsertProviderLimit(db, instanceId, provider, values, now));
}

/** Back to the defaults; a provider without a row of its own is already there. */
export async function resetInstanceLimit(db: Db, instanceId: string, provider: ProviderName): Promise<void> {
  await deleteProviderLimit(db, instanceId, provider);
}
