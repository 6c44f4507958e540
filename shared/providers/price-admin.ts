// An instance's own provider prices as operators edit them: a price per image for a provider (what
// the instance's contract bills), ranked by provider selection in place of the adapter's list
// price. Every change writes its audit record in the same batch.
import type { Db } from "../db/client";
import { deleteProviderPrice, instancePrices, upsertProviderPrice } from "../db/queries/provider-prices";
import { type ProviderName, providerNames } from "../jobs/enums";
import { auditInsert, type ChangeContext } from "../tenancy/audit";

export interface InstancePrice {
  provider: ProviderName;
  perImageUsd: number;
}

/** The instance's own prices, in `providerNames` order; providers without one are left out. */
export async function listInstancePrices(db: Db, instanceId: string): Promise<InstancePrice[]> {
  const own = await instancePrices(db, instanceId);
  return providerNames.flatMap((provider) => {
    const perImageUsd = own.get(provider);
    return perImageUsd === undefined ? [] : [{ provider, perImageUsd }];
  });
}

function priceAudit(
  change: ChangeContext,
  action: string,
  instanceId: string,
  provider: ProviderName,
  [before, after]: [number | null, number | null],
) {
  return auditInsert(change, {
    organizationId: change.caller.organizationId,
    action,
    resourceType: "provider_price",
    resourceId: `${instanceId}/${provider}`,
    before: { instance_id: instanceId, provider, per_image_usd: before },
    after: { instance_id: instanceId, provider, per_image_usd: after },
  });
}

export async function setInstancePrice(
  change: ChangeContext,
  instanceId: string,
  provider: ProviderName,
  perImageUsd: number,
): Promise<InstancePrice> {
  const before = (await instancePrices(change.db, instanceId)).get(provider) ?? null;
  const record = priceAudit(change, "provider_price.update", instanceId, provider, [before, perImageUsd]);
  await upsertProviderPrice(change.db, instanceId, provider, perImageUsd, change.now, [record]);
  return { provider, perImageUsd };
}

/** Back to the list price; a provider already there is left alone (no change, no record). */
export async function resetInstancePrice(
  change: ChangeContext,
  instanceId: string,
  provider: ProviderName,
): Promise<void> {
  const before = (await instancePrices(change.db, instanceId)).get(provider);
  if (before === undefined) return;
  const record = priceAudit(change, "provider_price.delete", instanceId, provider, [before, null]);
  await deleteProviderPrice(change.db, instanceId, provider, [record]);
}
