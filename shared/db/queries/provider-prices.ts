// An instance's own provider prices (`provider_prices`), scoped to one instance. Read by the admin
// routes and, for jobs asking for a strategy, by the consumer's provider selection.
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { ProviderName } from "../../jobs/enums";
import type { Db } from "../client";
import { providerPrices } from "../schema";

/** The instance's own price per image, by provider (absent: the list price). */
export async function instancePrices(db: Db, instanceId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ provider: providerPrices.provider, perImageUsd: providerPrices.perImageUsd })
    .from(providerPrices)
    .where(eq(providerPrices.instanceId, instanceId));
  return new Map(rows.map((row) => [row.provider, row.perImageUsd]));
}

/** Sets the instance's price for one provider, in one batch with `alongWith` (its audit record). */
export async function upsertProviderPrice(
  db: Db,
  instanceId: string,
  provider: ProviderName,
  perImageUsd: number,
  now: number,
  alongWith: BatchItem<"sqlite">[],
): Promise<void> {
  const upsert = db
    .insert(providerPrices)
    .values({ instanceId, provider, perImageUsd, updatedAt: now })
    .onConflictDoUpdate({
      target: [providerPrices.instanceId, providerPrices.provider],
      set: { perImageUsd, updatedAt: now },
    });
  await db.batch([upsert, ...alongWith]);
}

export async function deleteProviderPrice(
  db: Db,
  instanceId: string,
  provider: ProviderName,
  alongWith: BatchItem<"sqlite">[],
): Promise<void> {
  const remove = db
    .delete(providerPrices)
    .where(and(eq(providerPrices.instanceId, instanceId), eq(providerPrices.provider, provider)));
  await db.batch([remove, ...alongWith]);
}
