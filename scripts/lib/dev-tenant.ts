// Seeds the development tenant (organization / instance / project, a dev admin user, one user key,
// one admin key owned by the dev admin user) idempotently: ids are fixed, and keys are kept while
// the credentials file still matches the DB. The rows are written with the shared drizzle schema
// and the shared key helpers (the tables, columns and key format the admin API uses); the admin
// API's create functions (shared/tenancy) are not used because they mint random ids and need a
// calling key, while the dev tenant keeps fixed ids across runs and exists before any key does.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import { displayPrefix, generateApiKey, sha256Hex } from "../../shared/auth/keys";
import { createDb, type Db } from "../../shared/db/client";
import { getProjectWebhook, setProjectSecretIfMissing } from "../../shared/db/queries/webhooks";
import { apiKeys, instances, organizations, projects, users } from "../../shared/db/schema";
import { importMasterKey } from "../../shared/providers/keys/crypto";
import { sealRow } from "../../shared/webhooks/project-secrets";
import { isSealed, sealWebhookSecret } from "../../shared/webhooks/sealed-secret";
import { generateWebhookSecret } from "../../shared/webhooks/secret";

export const DEV_TENANT = {
  organizationId: "org_dev00000000000000000",
  instanceId: "ins_dev00000000000000000",
  projectId: "prj_dev00000000000000000",
  /** The dev admin user (role admin) that owns the dev admin key, so /v1/me shows a user. */
  adminUserId: "usr_devadmin00000000000",
  adminEmail: "admin@dev.genqueue.local",
} as const;

const KEY_IDS = { user: "key_devuser000000000000", admin: "key_devadmin00000000000" } as const;

export interface DevCredentials {
  api_url: string;
  api_key: string;
  admin_key: string;
  /**
   * The dev project's webhook signing secret (whsec_...): verify deliveries with it. Written when
   * the seed made it (D1 holds it encrypted); absent if this file was lost since: rotate it then.
   */
  webhook_secret?: string;
  [extra: string]: string | undefined;
}

async function readCredentials(path: string): Promise<DevCredentials | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as DevCredentials;
  } catch {
    return null;
  }
}

async function keyExists(db: Db, key: string): Promise<boolean> {
  const row = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, await sha256Hex(key)), isNull(apiKeys.revokedAt)))
    .get();
  return row !== undefined;
}

/** A fresh secret for a dev key (the row is created, or its secret replaced and un-revoked). */
async function insertKey(
  db: Db,
  id: string,
  role: "user" | "admin",
  projectId: string | null,
  userId: string | null,
): Promise<string> {
  const key = generateApiKey();
  const secret = { keyHash: await sha256Hex(key), prefix: displayPrefix(key) };
  await db
    .insert(apiKeys)
    .values({
      id,
      organizationId: DEV_TENANT.organizationId,
      instanceId: DEV_TENANT.instanceId,
      projectId,
      userId,
      role,
      name: `dev ${role} key`,
      ...secret,
      createdAt: Date.now(),
    })
    .onConflictDoUpdate({ target: apiKeys.id, set: { ...secret, revokedAt: null } });
  return key;
}

/**
 * The dev project's webhook secret, made once and kept across runs (rotate it through the admin
 * API). D1 stores it sealed with the dev master key; the plaintext goes to the credentials file
 * when it is made, and the file keeps it. A plaintext one left from before encryption is sealed.
 */
async function devWebhookSecret(db: Db, masterKey: CryptoKey, known: string | undefined) {
  const { projectId } = DEV_TENANT;
  const row = await getProjectWebhook(db, projectId);
  if (!row) throw new Error(`dev project ${projectId} is missing`);
  if (row.webhookSecret === null) {
    const fresh = generateWebhookSecret();
    if (await setProjectSecretIfMissing(db, projectId, await sealWebhookSecret(masterKey, projectId, fresh)))
      return fresh;
    return known;
  }
  if (isSealed(row.webhookSecret)) return known;
  await sealRow(db, masterKey, row);
  return row.webhookSecret;
}

/** `masterKey`: the dev PROVIDER_KEYS_MASTER_KEY the Workers run with (the webhook secret is sealed with it). */
export async function seedDevTenant(
  d1: D1Database,
  credentialsPath: string,
  apiUrl: string,
  masterKey: string,
): Promise<DevCredentials> {
  const db = createDb(d1);
  const now = Date.now();
  const { organizationId, instanceId, projectId, adminUserId, adminEmail } = DEV_TENANT;
  await db.batch([
    db
      .insert(organizations)
      .values({ id: organizationId, name: "Development", createdAt: now })
      .onConflictDoNothing(),
    db
      .insert(instances)
      .values({ id: instanceId, organizationId, name: "dev", createdAt: now })
      .onConflictDoNothing(),
    db
      .insert(projects)
      .values({ id: projectId, instanceId, name: "dev project", createdAt: now })
      .onConflictDoNothing(),
    // Any conflict (the id, or the email taken by a user made through the API) keeps what is there.
    db
      .insert(users)
      .values({
        id: adminUserId,
        organizationId,
        email: adminEmail,
        name: "Dev Admin",
        role: "admin",
        createdAt: now,
      })
      .onConflictDoNothing(),
  ]);
  const adminUser = await db.select({ id: users.id }).from(users).where(eq(users.id, adminUserId)).get();
  const adminOwner = adminUser ? adminUserId : null;

  const previous = await readCredentials(credentialsPath);
  const webhookSecret = await devWebhookSecret(
    db,
    await importMasterKey(masterKey),
    previous?.webhook_secret,
  );
  const apiKey =
    previous && (await keyExists(db, previous.api_key))
      ? previous.api_key
      : await insertKey(db, KEY_IDS.user, "user", projectId, null);
  const adminKey =
    previous && (await keyExists(db, previous.admin_key))
      ? previous.admin_key
      : await insertKey(db, KEY_IDS.admin, "admin", null, adminOwner);
  // A dev admin key made before the dev admin user existed gets it as its owner.
  if (adminOwner) {
    await db
      .update(apiKeys)
      .set({ userId: adminOwner })
      .where(and(eq(apiKeys.id, KEY_IDS.admin), isNull(apiKeys.userId)));
  }

  const credentials: DevCredentials = {
    ...(previous ?? {}),
    api_url: apiUrl,
    api_key: apiKey,
    admin_key: adminKey,
    webhook_secret: webhookSecret,
  };
  if (webhookSecret === undefined) delete credentials.webhook_secret;
  await mkdir(dirname(credentialsPath), { recursive: true });
  await writeFile(credentialsPath, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}
