// An instance's provider keys. Every query is scoped to one instance. The newest key added is the
// primary; older ones stay usable until deleted. Rows whose plaintext is needed are read only by
// `keysToResolve`; the listing never selects the ciphertext.
import { and, desc, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../client";
import { providerKeys } from "../schema";

export type ProviderKeyRow = typeof providerKeys.$inferSelect;
export type MaskedProviderKeyRow = Omit<ProviderKeyRow, "ciphertext">;

/** Statements to run after a change to `key`, in the change's own batch (e.g. its audit record). */
export type AlongWith = (key: MaskedProviderKeyRow) => BatchItem<"sqlite">[];

const masked = {
  id: providerKeys.id,
  instanceId: providerKeys.instanceId,
  provider: providerKeys.provider,
  last4: providerKeys.last4,
  isPrimary: providerKeys.isPrimary,
  createdAt: providerKeys.createdAt,
};

/** Primary first, then newest first: the order keys are tried in. */
const useOrder = [desc(providerKeys.isPrimary), desc(providerKeys.createdAt), desc(providerKeys.id)];

const ofProvider = (instanceId: string, provider: string) =>
  and(eq(providerKeys.instanceId, instanceId), eq(providerKeys.provider, provider));

/** Inserts a key as its provider's primary; the previous primary stays, as a secondary. One transaction. */
export async function insertPrimaryProviderKey(
  db: Db,
  row: ProviderKeyRow,
  alongWith: AlongWith = () => [],
): Promise<void> {
  const { ciphertext: _, ...key } = row;
  await db.batch([
    db.update(providerKeys).set({ isPrimary: false }).where(ofProvider(row.instanceId, row.provider)),
    db.insert(providerKeys).values({ ...row, isPrimary: true }),
    ...alongWith({ ...key, isPrimary: true }),
  ]);
}

export async function listProviderKeys(
  db: Db,
  instanceId: string,
  provider?: string,
): Promise<MaskedProviderKeyRow[]> {
  const where = provider ? ofProvider(instanceId, provider) : eq(providerKeys.instanceId, instanceId);
  return db
    .select(masked)
    .from(providerKeys)
    .where(where)
    .orderBy(providerKeys.provider, ...useOrder)
    .all();
}

export async function findProviderKey(
  db: Db,
  instanceId: string,
  id: string,
): Promise<MaskedProviderKeyRow | null> {
  const row = await db
    .select(masked)
    .from(providerKeys)
    .where(and(eq(providerKeys.instanceId, instanceId), eq(providerKeys.id, id)))
    .get();
  return row ?? null;
}

/**
 * Makes the key its provider's only primary, in one statement; false when the instance has no such
 * key. `alongWith` gets the key as it was before.
 */
export async function setPrimaryProviderKey(
  db: Db,
  instanceId: string,
  id: string,
  alongWith: AlongWith = () => [],
): Promise<boolean> {
  const key = await findProviderKey(db, instanceId, id);
  if (!key) return false;
  const update = db
    .update(providerKeys)
    .set({ isPrimary: sql<boolean>`${providerKeys.id} = ${id}` })
    .where(
      and(
        ofProvider(instanceId, key.provider),
        // Touch nothing if the key was deleted meanwhile: the others keep their primary.
        sql`exists (select 1 from ${providerKeys} where ${providerKeys.id} = ${id} and ${providerKeys.instanceId} = ${instanceId})`,
      ),
    )
    .returning({ id: providerKeys.id, isPrimary: providerKeys.isPrimary });
  const [rows] = await db.batch([update, ...alongWith(key)]);
  return rows.some((r) => r.id === id && r.isPrimary);
}

/** The condition "the instance's key `id` is its provider's primary" (e.g. for a conditional audit record). */
export function isPrimaryKey(instanceId: string, id: string) {
  return sql`exists (select 1 from ${providerKeys} where ${providerKeys.id} = ${id} and ${providerKeys.instanceId} = ${instanceId} and ${providerKeys.isPrimary} = 1)`;
}

/**
 * Deletes a key; when it was the primary, the newest remaining key of its provider becomes primary.
 * Returns the deleted row, or null when the instance has no such key.
 */
export async function deleteProviderKey(
  db: Db,
  instanceId: string,
  id: string,
  alongWith: AlongWith = () => [],
): Promise<MaskedProviderKeyRow | null> {
  const key = await findProviderKey(db, instanceId, id);
  if (!key) return null;
  const newest = db
    .select({ id: providerKeys.id })
    .from(providerKeys)
    .where(ofProvider(instanceId, key.provider))
    .orderBy(desc(providerKeys.createdAt), desc(providerKeys.id))
    .limit(1);
  const [deleted] = await db.batch([
    db
      .delete(providerKeys)
      .where(and(eq(providerKeys.instanceId, instanceId), eq(providerKeys.id, id)))
      .returning({ id: providerKeys.id }),
    db
      .update(providerKeys)
      .set({ isPrimary: true })
      .where(
        and(
          sql`${providerKeys.id} = (${newest})`,
          sql`not exists (select 1 from ${providerKeys} where ${ofProvider(instanceId, key.provider)} and ${providerKeys.isPrimary} = 1)`,
        ),
      ),
    ...alongWith(key),
  ]);
  return deleted.length > 0 ? key : null;
}

/** The rows to decrypt for a call, in the order to try them (primary, then newest first). */
export async function keysToResolve(db: Db, instanceId: string, provider: string): Promise<ProviderKeyRow[]> {
  return db
    .select()
    .from(providerKeys)
    .where(ofProvider(instanceId, provider))
    .orderBy(...useOrder)
    .all();
}
