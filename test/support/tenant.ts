// Test tenants for Workers-runtime tests (producer, consumers, admin): every test seeds its own
// organization / instance / project and keys with random ids, so no test depends on another's data.
//
//   const t = await seedTenant(env.DB);                       // user key bound to t.projectId
//   await exports.default.fetch(new Request(url, { headers: authHeaders(t.userKey) }));
//   const job = await seedJob(env.DB, t, { status: "succeeded" });
//   await seedJobImage(env, job.id, { index: 0, bytes, contentType: "image/png" });
import { eq } from "drizzle-orm";
import { displayPrefix, generateApiKey, sha256Hex } from "../../shared/auth/keys";
import { createDb } from "../../shared/db/client";
import type { JobEvent, JobImage, JobRow } from "../../shared/db/queries/jobs";
import {
  apiKeys,
  instances,
  jobs,
  organizations,
  projects,
  userInstances,
  users,
} from "../../shared/db/schema";
import type { ApiKeyRole, JobStatus, Role } from "../../shared/jobs/enums";
import { newId } from "../../shared/ids";

export interface SeededKey {
  /** The raw key, as a client sends it (`Authorization: Bearer <key>`). */
  key: string;
  id: string;
}

export interface SeededTenant {
  organizationId: string;
  instanceId: string;
  /** The tenant's project; null when seeded with `withProject: false`. */
  projectId: string | null;
  /** Role `opts.role` (default "user"), bound to `projectId` (instance-wide when there is no project). */
  userKey: string;
  /** Role "admin", instance-wide. */
  adminKey: string;
  /** Role "user", not bound to a project: must name `project_id` when creating jobs. */
  instanceWideKey: string;
  /** A well-formed key of this instance whose `revoked_at` is set. */
  revokedKey: string;
  /** Key row ids, e.g. to look up `idempotency_keys.api_key_id` or `jobs.api_key_id`. */
  keyIds: { user: string; admin: string; instanceWide: string; revoked: string };
}

export interface SeedTenantOptions {
  /** Role of `userKey` (default "user"). */
  role?: ApiKeyRole;
  /** Create a project and bind `userKey` to it (default true). */
  withProject?: boolean;
}

/** `{ authorization: "Bearer <key>" }`, to spread into request headers. */
export function authHeaders(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

export interface SeedKeyOptions {
  /** The key's instance; null for an organization-wide key (then `organizationId` is required). */
  instanceId: string | null;
  projectId: string | null;
  /** Defaults to the instance's organization. */
  organizationId?: string;
  role?: ApiKeyRole;
  userId?: string | null;
  revoked?: boolean;
  expiresAt?: number | null;
}

/** Inserts one API key; returns the raw key (only its hash is stored). */
export async function seedKey(d1: D1Database, opts: SeedKeyOptions): Promise<SeededKey> {
  const db = createDb(d1);
  const key = generateApiKey();
  const id = newId("key");
  const now = Date.now();
  const organizationId =
    opts.organizationId ??
    (
      await db
        .select({ organizationId: instances.organizationId })
        .from(instances)
        .where(eq(instances.id, opts.instanceId ?? ""))
        .get()
    )?.organizationId;
  if (!organizationId) throw new Error("seedKey: name an organizationId or an existing instanceId");
  await db.insert(apiKeys).values({
    id,
    organizationId,
    instanceId: opts.instanceId,
    projectId: opts.projectId,
    userId: opts.userId ?? null,
    role: opts.role ?? "user",
    name: `test ${opts.role ?? "user"} key`,
    keyHash: await sha256Hex(key),
    prefix: displayPrefix(key),
    createdAt: now,
    revokedAt: opts.revoked ? now : null,
    expiresAt: opts.expiresAt ?? null,
  });
  return { key, id };
}

/** A user of an organization (random email), optionally assigned to instances. */
export async function seedUser(
  d1: D1Database,
  opts: { organizationId: string; role: Role; instanceIds?: string[]; disabled?: boolean },
): Promise<{ userId: string; email: string }> {
  const db = createDb(d1);
  const userId = newId("usr");
  const email = `${userId}@example.test`;
  const now = Date.now();
  await db.insert(users).values({
    id: userId,
    organizationId: opts.organizationId,
    email,
    name: `test ${opts.role}`,
    role: opts.role,
    disabledAt: opts.disabled ? now : null,
    createdAt: now,
  });
  for (const instanceId of opts.instanceIds ?? [])
    await db.insert(userInstances).values({ userId, instanceId, createdAt: now });
  return { userId, email };
}

/** An organization-wide key owned by a new user of `role` (admin or super_admin), no instance. */
export async function seedOrgKey(
  d1: D1Database,
  opts: { organizationId: string; role: Role },
): Promise<SeededKey & { userId: string }> {
  const { userId } = await seedUser(d1, opts);
  const key = await seedKey(d1, {
    organizationId: opts.organizationId,
    instanceId: null,
    projectId: null,
    role: opts.role,
    userId,
  });
  return { ...key, userId };
}

/** A super admin in an organization of its own, with an organization-wide key. */
export async function seedSuperAdmin(
  d1: D1Database,
): Promise<SeededKey & { userId: string; organizationId: string }> {
  const organizationId = newId("org");
  await createDb(d1)
    .insert(organizations)
    .values({ id: organizationId, name: "operators", createdAt: Date.now() });
  return { ...(await seedOrgKey(d1, { organizationId, role: "super_admin" })), organizationId };
}

/** A fresh organization, instance and (by default) project, with one key of each kind. */
export async function seedTenant(d1: D1Database, opts: SeedTenantOptions = {}): Promise<SeededTenant> {
  const db = createDb(d1);
  const now = Date.now();
  const organizationId = newId("org");
  const instanceId = newId("ins");
  const projectId = opts.withProject === false ? null : newId("prj");
  await db.batch([
    db.insert(organizations).values({ id: organizationId, name: "test org", createdAt: now }),
    db.insert(instances).values({ id: instanceId, organizationId, name: "test instance", createdAt: now }),
    ...(projectId
      ? [db.insert(projects).values({ id: projectId, instanceId, name: "test", createdAt: now })]
      : []),
  ]);
  const user = await seedKey(d1, { organizationId, instanceId, projectId, role: opts.role });
  const admin = await seedKey(d1, { organizationId, instanceId, projectId: null, role: "admin" });
  const instanceWide = await seedKey(d1, { organizationId, instanceId, projectId: null });
  const revoked = await seedKey(d1, { organizationId, instanceId, projectId, revoked: true });
  return {
    organizationId,
    instanceId,
    projectId,
    userKey: user.key,
    adminKey: admin.key,
    instanceWideKey: instanceWide.key,
    revokedKey: revoked.key,
    keyIds: { user: user.id, admin: admin.id, instanceWide: instanceWide.id, revoked: revoked.id },
  };
}

/** Another project in the tenant's instance, with a user key bound to it. */
export async function seedProject(
  d1: D1Database,
  tenant: Pick<SeededTenant, "instanceId">,
): Promise<{ projectId: string; userKey: string; keyId: string }> {
  const projectId = newId("prj");
  await createDb(d1)
    .insert(projects)
    .values({ id: projectId, instanceId: tenant.instanceId, name: "other", createdAt: Date.now() });
  const { key, id } = await seedKey(d1, { instanceId: tenant.instanceId, projectId });
  return { projectId, userKey: key, keyId: id };
}

export interface SeedJobOptions {
  status?: JobStatus;
  /** Defaults to the tenant's project (required when the tenant has none). */
  projectId?: string;
  /** Defaults to now; set it to order jobs for list tests. */
  createdAt?: number;
  /** Any other column (e.g. errorCode, model, leaseToken). */
  overrides?: Partial<typeof jobs.$inferInsert>;
}

/**
 * Inserts a job directly (no API, no queue message) in any status, with a version-1 event that
 * names that status. Returns the row as read back.
 */
export async function seedJob(
  d1: D1Database,
  tenant: Pick<SeededTenant, "instanceId" | "projectId" | "keyIds">,
  opts: SeedJobOptions = {},
): Promise<JobRow> {
  const db = createDb(d1);
  const projectId = opts.projectId ?? tenant.projectId;
  if (!projectId) throw new Error("seedJob: the tenant has no project; pass opts.projectId");
  const status = opts.status ?? "queued";
  const createdAt = opts.createdAt ?? Date.now();
  const terminal = status === "succeeded" || status === "failed" || status === "canceled";
  const row: typeof jobs.$inferInsert = {
    id: newId("job"),
    instanceId: tenant.instanceId,
    projectId,
    apiKeyId: tenant.keyIds.user,
    type: "image.generate",
    status,
    input: { prompt: "a seeded test job", aspect_ratio: "1x1", num_images: 1 },
    requestId: newId("req"),
    provider: status === "queued" ? null : "demo",
    attempts: status === "queued" ? 0 : 1,
    version: 1,
    startedAt: status === "queued" ? null : createdAt,
    completedAt: terminal || status === "dead_lettered" ? createdAt : null,
    createdAt,
    updatedAt: createdAt,
    ...opts.overrides,
  };
  const event = { version: row.version ?? 1, type: status, status, data: null, createdAt };
  await db.insert(jobs).values({ events: [event], ...row });
  const [stored] = await db.select().from(jobs).where(eq(jobs.id, row.id));
  if (!stored) throw new Error(`seedJob: job ${row.id} was not written`);
  return stored;
}

/** A job's history as stored on its row, oldest first. */
export async function jobHistory(d1: D1Database, jobId: string): Promise<JobEvent[]> {
  const [row] = await createDb(d1).select({ events: jobs.events }).from(jobs).where(eq(jobs.id, jobId));
  return row?.events ?? [];
}

/** Stores an image's bytes in R2 and appends it to the job's `images`; returns the R2 key. */
export async function seedJobImage(
  env: { DB: D1Database; IMAGES: R2Bucket },
  jobId: string,
  image: { index: number; bytes: Uint8Array; contentType: string; width?: number; height?: number },
): Promise<string> {
  const r2Key = `test/${jobId}/${image.index}`;
  await env.IMAGES.put(r2Key, image.bytes, { httpMetadata: { contentType: image.contentType } });
  const stored: JobImage = {
    index: image.index,
    r2Key,
    contentType: image.contentType,
    width: image.width ?? 64,
    height: image.height ?? 64,
    bytes: image.bytes.byteLength,
    seed: null,
  };
  await env.DB.prepare(
    "UPDATE jobs SET images = json_insert(coalesce(images, '[]'), '$[#]', json(?)) WHERE id = ?",
  )
    .bind(JSON.stringify(stored), jobId)
    .run();
  return r2Key;
}
