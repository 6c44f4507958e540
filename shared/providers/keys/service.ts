// Provider keys per instance: add (the new key becomes primary; the previous one stays usable
// until deleted, which is how a rotation goes), list masked, make primary, delete, and resolve to
// plaintext for the consumer. Plaintext keys exist only in memory, between here and the adapter.
import type { Db } from "../../db/client";
import {
  type AlongWith,
  deleteProviderKey,
  findProviderKey,
  insertPrimaryProviderKey,
  isPrimaryKey,
  keysToResolve,
  listProviderKeys,
  type MaskedProviderKeyRow,
  setPrimaryProviderKey,
} from "../../db/queries/provider-keys";
import { newId } from "../../ids";
import type { ProviderName } from "../../jobs/enums";
import { auditInsert, type ChangeContext } from "../../tenancy/audit";
import { auditInsertWhen } from "../../tenancy/audit-when";
import { isoTime } from "../../time";
import { DecryptError, decryptSecret, encryptSecret, keyAad } from "./crypto";

/** What may be shown of a key: never the key, never its ciphertext. */
export interface MaskedProviderKey {
  id: string;
  provider: string;
  last4: string;
  isPrimary: boolean;
  createdAt: number;
}

function mask(row: MaskedProviderKeyRow): MaskedProviderKey {
  return {
    id: row.id,
    provider: row.provider,
    last4: row.last4,
    isPrimary: row.isPrimary,
    createdAt: row.createdAt,
  };
}

export interface SetKeyRequest {
  instanceId: string;
  provider: ProviderName;
  apiKey: string;
  now: number;
}

/** A key as its audit records show it (the API's fields, never the key or its ciphertext). */
function auditView(row: MaskedProviderKeyRow, isPrimary = row.isPrimary): Record<string, unknown> {
  return {
    id: row.id,
    instance_id: row.instanceId,
    provider: row.provider,
    last4: row.last4,
    is_primary: isPrimary,
    created_at: isoTime(row.createdAt),
  };
}

const entry = (ctx: ChangeContext, action: string, key: MaskedProviderKeyRow) => ({
  organizationId: ctx.caller.organizationId,
  action,
  resourceType: "provider_key",
  resourceId: key.id,
});

/**
 * Adds a key as the provider's primary; an existing primary stays as a secondary (rotation).
 * With `change` (the admin API), the audit record goes in the same batch.
 */
export async function setKey(
  db: Db,
  masterKey: CryptoKey,
  req: SetKeyRequest,
  change?: ChangeContext,
): Promise<MaskedProviderKey> {
  const id = newId("pk");
  const ciphertext = await encryptSecret(masterKey, req.apiKey, keyAad(req.instanceId, req.provider, id));
  const row = {
    id,
    instanceId: req.instanceId,
    provider: req.provider,
    ciphertext,
    last4: req.apiKey.slice(-4),
    isPrimary: true,
    createdAt: req.now,
  };
  const recorded: AlongWith = (key) =>
    change
      ? [auditInsert(change, { ...entry(change, "provider_key.create", key), after: auditView(key) })]
      : [];
  await insertPrimaryProviderKey(db, row, recorded);
  return mask(row);
}

export async function listKeys(db: Db, instanceId: string, provider?: string): Promise<MaskedProviderKey[]> {
  return (await listProviderKeys(db, instanceId, provider)).map(mask);
}

/** Null when the instance has no such key. The audit record (with `change`) is written only if it applied. */
export async function makePrimary(
  db: Db,
  instanceId: string,
  id: string,
  change?: ChangeContext,
): Promise<MaskedProviderKey | null> {
  const recorded: AlongWith = (key) =>
    change
      ? [
          auditInsertWhen(
            change,
            {
              ...entry(change, "provider_key.make_primary", key),
              before: auditView(key),
              after: auditView(key, true),
            },
            isPrimaryKey(instanceId, id),
          ),
        ]
      : [];
  if (!(await setPrimaryProviderKey(db, instanceId, id, recorded))) return null;
  const row = await findProviderKey(db, instanceId, id);
  return row ? mask(row) : null;
}

/** False when the instance has no such key. A deleted primary hands over to the newest remaining key. */
export async function deleteKey(
  db: Db,
  instanceId: string,
  id: string,
  change?: ChangeContext,
): Promise<boolean> {
  const recorded: AlongWith = (key) =>
    change
      ? [auditInsert(change, { ...entry(change, "provider_key.delete", key), before: auditView(key) })]
      : [];
  return (await deleteProviderKey(db, instanceId, id, recorded)) !== null;
}

export interface ResolveOptions {
  /** Told the id of each row that does not decrypt (the row is skipped). */
  onUndecryptable?(keyId: string, error: DecryptError): void;
}

/** A decrypted key and its row id (the id is safe to log, the key never is). */
export interface ResolvedKey {
  id: string;
  apiKey: string;
}

/**
 * The instance's plaintext keys for a provider, in the order to try them: the primary, then the
 * others newest first. Rows that do not decrypt are skipped (and reported by id).
 */
export async function resolveInstanceKeys(
  db: Db,
  masterKey: CryptoKey,
  instanceId: string,
  provider: string,
  opts: ResolveOptions = {},
): Promise<ResolvedKey[]> {
  const rows = await keysToResolve(db, instanceId, provider);
  const keys: ResolvedKey[] = [];
  for (const row of rows) {
    try {
      const aad = keyAad(row.instanceId, row.provider, row.id);
      keys.push({ id: row.id, apiKey: await decryptSecret(masterKey, row.ciphertext, aad) });
    } catch (error) {
      if (!(error instanceof DecryptError)) throw error;
      opts.onUndecryptable?.(row.id, error);
    }
  }
  return keys;
}

/** Whether the instance stores any key for the provider (without decrypting anything). */
export async function hasInstanceKeys(db: Db, instanceId: string, provider: string): Promise<boolean> {
  return (await listProviderKeys(db, instanceId, provider)).length > 0;
}
