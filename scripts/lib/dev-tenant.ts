// Seeds the development tenant (organization / instance / project, one user key, one admin key)
// idempotently: ids are fixed, and keys are kept while the credentials file still matches the DB.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { displayPrefix, generateApiKey, sha256Hex } from "../../shared/auth/keys";
import { generateWebhookSecret } from "../../shared/webhooks/secret";

export const DEV_TENANT = {
  organizationId: "org_dev00000000000000000",
  instanceId: "ins_dev00000000000000000",
  projectId: "prj_dev00000000000000000",
} as const;

export interface DevCredentials {
  api_url: string;
  api_key: string;
  admin_key: string;
  /** The dev project's webhook signing secret (whsec_...): verify deliveries with it. */
  webhook_secret: string;
  [extra: string]: string;
}

interface SqlRunner {
  prepare(sql: string): {
    bind(...values: unknown[]): { run(): Promise<unknown>; first<T>(): Promise<T | null> };
  };
}

async function readCredentials(path: string): Promise<DevCredentials | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as DevCredentials;
  } catch {
    return null;
  }
}

async function keyExists(db: SqlRunner, key: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")
    .bind(await sha256Hex(key))
    .first<{ id: string }>();
  return row !== null;
}

async function insertKey(db: SqlRunner, id: string, role: "user" | "admin", projectId: string | null) {
  const key = generateApiKey();
  await db
    .prepare(
      `INSERT INTO api_keys (id, organization_id, instance_id, project_id, role, name, key_hash, prefix, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET key_hash = excluded.key_hash, prefix = excluded.prefix, revoked_at = NULL`,
    )
    .bind(
      id,
      DEV_TENANT.organizationId,
      DEV_TENANT.instanceId,
      projectId,
      role,
      `dev ${role} key`,
      await sha256Hex(key),
      displayPrefix(key),
      Date.now(),
    )
    .run();
  return key;
}

export async function seedDevTenant(
  db: SqlRunner,
  credentialsPath: string,
  apiUrl: string,
): Promise<DevCredentials> {
  const now = Date.now();
  const { organizationId, instanceId, projectId } = DEV_TENANT;
  await db
    .prepare("INSERT OR IGNORE INTO organizations (id, name, created_at) VALUES (?, ?, ?)")
    .bind(organizationId, "Development", now)
    .run();
  await db
    .prepare("INSERT OR IGNORE INTO instances (id, organization_id, name, created_at) VALUES (?, ?, ?, ?)")
    .bind(instanceId, organizationId, "dev", now)
    .run();
  await db
    .prepare("INSERT OR IGNORE INTO projects (id, instance_id, name, created_at) VALUES (?, ?, ?, ?)")
    .bind(projectId, instanceId, "dev project", now)
    .run();

  // The project's webhook secret is made once and kept across runs (rotate it through the admin API).
  await db
    .prepare("UPDATE projects SET webhook_secret = ? WHERE id = ? AND webhook_secret IS NULL")
    .bind(generateWebhookSecret(), projectId)
    .run();
  const project = await db
    .prepare("SELECT webhook_secret FROM projects WHERE id = ?")
    .bind(projectId)
    .first<{ webhook_secret: string }>();
  if (!project?.webhook_secret) throw new Error(`dev project ${projectId} has no webhook secret`);

  const previous = await readCredentials(credentialsPath);
  const apiKey =
    previous && (await keyExists(db, previous.api_key))
      ? previous.api_key
      : await insertKey(db, "key_devuser000000000000", "user", projectId);
  const adminKey =
    previous && (await keyExists(db, previous.admin_key))
      ? previous.admin_key
      : await insertKey(db, "key_devadmin00000000000", "admin", null);

  const credentials: DevCredentials = {
    ...(previous ?? {}),
    api_url: apiUrl,
    api_key: apiKey,
    admin_key: adminKey,
    webhook_secret: project.webhook_secret,
  };
  await mkdir(dirname(credentialsPath), { recursive: true });
  await writeFile(credentialsPath, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}
