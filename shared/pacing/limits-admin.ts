// Effective pacing limits per provider as the admin API shows them: the instance's own row when
// it has one, else the adapter's defaults (the same choice the consumer's limitsFor makes).
// The consumer caches instance settings for 30 s per isolate, so changes apply within that time.
// Every change (limits and the default fallback chain) writes its audit record in its own batch.
import type { Db } from "../db/client";
import {
  deleteProviderLimit,
  findProviderLimitRow,
  getFallbackProviders,
  listProviderLimitRows,
  type ProviderLimitRow,
  type ProviderLimitValues,
  setFallbackProviders,
  upsertProviderLimit,
} from "../db/queries/provider-limits";
import { type ProviderName, providerNames } from "../jobs/enums";
import { getProvider } from "../providers/registry";
import { auditInsert, type ChangeContext } from "../tenancy/audit";

export const limitSources = ["instance", "default"] as const;
export type LimitSource = (typeof limitSources)[number];

export interface EffectiveProviderLimit extends ProviderLimitValues {
  provider: ProviderName;
  source: LimitSource;
}

export function effectiveLimit(
  provider: ProviderName,
  own: Pick<ProviderLimitRow, "ratePerSecond" | "burst" | "maxInFlight" | "tokensPerMinute"> | undefined,
): EffectiveProviderLimit {
  const adapter = getProvider(provider);
  const { ratePerSecond, burst, maxInFlight } = own ?? adapter.defaultLimits;
  // Only providers that run text jobs have one (the consumer's limitsFor makes the same choice).
  const tokensPerMinute = adapter.text
    ? (own?.tokensPerMinute ?? adapter.text.defaultTokensPerMinute ?? null)
    : null;
  return {
    provider,
    ratePerSecond,
    burst,
    maxInFlight,
    tokensPerMinute,
    source: own ? "instance" : "default",
  };
}

/** Every known provider, in `providerNames` order, with the limits the consumer would use. */
export async function listEffectiveLimits(db: Db, instanceId: string): Promise<EffectiveProviderLimit[]> {
  const rows = await listProviderLimitRows(db, instanceId);
  const own = new Map(rows.map((row) => [row.provider, row]));
  return providerNames.map((provider) => effectiveLimit(provider, own.get(provider)));
}

/** An effective limit as audit records show it (the API's fields, and the instance). */
function auditView(instanceId: string, limit: EffectiveProviderLimit): Record<string, unknown> {
  return {
    instance_id: instanceId,
    provider: limit.provider,
    rate_per_second: limit.ratePerSecond,
    burst: limit.burst,
    max_in_flight: limit.maxInFlight,
    tokens_per_minute: limit.tokensPerMinute ?? null,
    source: limit.source,
  };
}

function limitAudit(
  change: ChangeContext,
  action: string,
  instanceId: string,
  before: EffectiveProviderLimit,
  after: EffectiveProviderLimit,
) {
  return auditInsert(change, {
    organizationId: change.caller.organizationId,
    action,
    resourceType: "provider_limit",
    // One instance's limits for one provider.
    resourceId: `${instanceId}/${after.provider}`,
    before: auditView(instanceId, before),
    after: auditView(instanceId, after),
  });
}

export async function setInstanceLimit(
  change: ChangeContext,
  instanceId: string,
  provider: ProviderName,
  values: ProviderLimitValues,
): Promise<EffectiveProviderLimit> {
  const { db, now } = change;
  const before = effectiveLimit(
    provider,
    (await findProviderLimitRow(db, instanceId, provider)) ?? undefined,
  );
  const after = effectiveLimit(provider, { ...values, tokensPerMinute: values.tokensPerMinute ?? null });
  const record = limitAudit(change, "provider_limit.update", instanceId, before, after);
  return effectiveLimit(provider, await upsertProviderLimit(db, instanceId, provider, values, now, [record]));
}

/** Back to the defaults; a provider without a row of its own is already there (no change, no record). */
export async function resetInstanceLimit(
  change: ChangeContext,
  instanceId: string,
  provider: ProviderName,
): Promise<void> {
  const own = await findProviderLimitRow(change.db, instanceId, provider);
  if (!own) return;
  const record = limitAudit(
    change,
    "provider_limit.delete",
    instanceId,
    effectiveLimit(provider, own),
    effectiveLimit(provider, undefined),
  );
  await deleteProviderLimit(change.db, instanceId, provider, [record]);
}

/** Sets (or, with null, clears) the instance's default fallback chain; returns what is stored. */
export async function setInstanceFallbackProviders(
  change: ChangeContext,
  instanceId: string,
  chain: ProviderName[] | null,
): Promise<string[] | null> {
  const before = await getFallbackProviders(change.db, instanceId);
  const record = auditInsert(change, {
    organizationId: change.caller.organizationId,
    action: "fallback_providers.update",
    resourceType: "fallback_providers",
    resourceId: instanceId,
    before: { instance_id: instanceId, fallback_providers: before },
    after: { instance_id: instanceId, fallback_providers: chain },
  });
  return setFallbackProviders(change.db, instanceId, chain, [record]);
}
