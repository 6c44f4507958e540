// API keys over the admin API: create (the secret is returned once, only its SHA-256 hash and a
// display prefix are stored), list, revoke, rotate with a grace period. The rules:
//   - a key's role is its owner user's role; a project's service key (no user) is a "user" key;
//   - a "user" key is narrowed to an instance; only admin / super_admin keys may be organization-wide;
//   - a key never creates, rotates or revokes a key wider than itself: it may only grant roles no
//     higher than its own (canGrant), its instance / project narrowing carries over to the new key,
//     and a `user` caller manages only its own keys (a service key only itself);
//   - the owner must reach the key's instance (a `user` must be assigned to it).
// A row out of reach is a 404 with its resource's code; a rule broken on a reachable row is a 403.
// Every change goes in one D1 batch with its audit record; this isolate forgets a revoked or rotated
// key at once (`forgetCaller`), other isolates within CALLER_CACHE_TTL_MS.
import { and, eq, type SQL } from "drizzle-orm";
import { forgetCaller } from "../auth/caller-cache";
import { displayPrefix, generateApiKey, sha256Hex } from "../auth/keys";
import { canGrant } from "../auth/policy";
import type { Db } from "../db/client";
import { afterCursor, newestFirst, type PageCursor, toPage } from "../db/pages";
import type { Caller } from "../db/queries/api-keys";
import { apiKeys, projects, users } from "../db/schema";
import { ApiError, type ErrorCode } from "../errors";
import { newId } from "../ids";
import type { Role } from "../jobs/enums";
import { isoTime, isoTimeOrNull } from "../time";
import { auditInsert, type ChangeContext } from "./audit";
import { type InstanceRow, isAssigned, organizationFilter, reachableInstance } from "./reach";

export type ApiKeyRow = typeof apiKeys.$inferSelect;
type UserRow = typeof users.$inferSelect;
type ProjectRow = typeof projects.$inferSelect;

export const apiKeyStatuses = ["active", "revoked", "expired"] as const;
export type ApiKeyStatus = (typeof apiKeyStatuses)[number];

/** The longest grace period a rotation may leave the previous secret: 7 days. */
export const MAX_GRACE_SECONDS = 604_800;

/** A key's status at `now`: revoked wins over expired; a key is valid until (not at) `expires_at`. */
export function apiKeyStatus(row: Pick<ApiKeyRow, "revokedAt" | "expiresAt">, now: number): ApiKeyStatus {
  if (row.revokedAt !== null) return "revoked";
  if (row.expiresAt !== null && row.expiresAt <= now) return "expired";
  return "active";
}

/** The key as the API shows it (and the audit log records it): never the secret, never a hash. */
export function apiKeyView(row: ApiKeyRow, now: number) {
  return {
    id: row.id,
    object: "api_key" as const,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    status: apiKeyStatus(row, now),
    organization_id: row.organizationId,
    instance_id: row.instanceId,
    project_id: row.projectId,
    user_id: row.userId,
    created_at: isoTime(row.createdAt),
    expires_at: isoTimeOrNull(row.expiresAt),
    revoked_at: isoTimeOrNull(row.revokedAt),
    last_used_at: isoTimeOrNull(row.lastUsedAt),
    previous_expires_at: isoTimeOrNull(row.previousExpiresAt),
  };
}
export type ApiKeyView = ReturnType<typeof apiKeyView>;

// ---------------------------------------------------------------------------------------------
// The pure rules (tested table-driven in test/shared/tenancy/api-keys.test.ts)

/** Who a new key belongs to, as found in D1. */
export type KeyOwner =
  | {
      kind: "user";
      id: string;
      role: Role;
      organizationId: string;
      /** Whether the user is assigned to the key's instance (user_instances). */
      assigned: boolean;
    }
  | { kind: "project" };

export interface KeyGrantInput {
  caller: Pick<Caller, "role" | "userId" | "instanceId" | "projectId">;
  owner: KeyOwner;
  /** The (reachable) instance the key is narrowed to; null: organization-wide. */
  instance: Pick<InstanceRow, "id" | "organizationId"> | null;
  projectId: string | null;
}

export type KeyGrant =
  | { ok: true; role: Role }
  | { ok: false; code: Extract<ErrorCode, "forbidden" | "validation_failed">; detail: string };

/** The new key's role, or why the caller may not create it (after the 404s of reach). */
export function decideKeyGrant({ caller, owner, instance, projectId }: KeyGrantInput): KeyGrant {
  const role: Role = owner.kind === "project" ? "user" : owner.role;
  const deny = (detail: string): KeyGrant => ({ ok: false, code: "forbidden", detail });
  if (caller.instanceId !== null && instance?.id !== caller.instanceId)
    return deny("A key narrowed to an instance may only create keys narrowed to that instance");
  if (caller.projectId !== null && projectId !== caller.projectId)
    return deny("A key narrowed to a project may only create keys narrowed to that project");
  if (!canGrant(caller.role, role)) return deny(`A ${caller.role} key may not create a ${role} key`);
  if (caller.role === "user" && caller.userId !== null && owner.kind !== "user")
    return deny("A user key may only create keys for its own user, not project service keys");
  if (role === "user" && instance === null) {
    return {
      ok: false,
      code: "validation_failed",
      detail: "A user key must be narrowed to an instance: name instance_id (or project_id)",
    };
  }
  if (owner.kind === "user" && instance !== null && !ownerReaches(owner, instance)) {
    return deny(
      owner.role === "user"
        ? `User ${owner.id} is not assigned to instance ${instance.id}: assign it first (PUT /v1/admin/users/${owner.id}/instances/${instance.id})`
        : `User ${owner.id} belongs to another organization than instance ${instance.id}`,
    );
  }
  return { ok: true, role };
}

function ownerReaches(
  owner: Extract<KeyOwner, { kind: "user" }>,
  instance: Pick<InstanceRow, "organizationId">,
): boolean {
  if (owner.role === "super_admin") return true;
  if (owner.role === "admin") return owner.organizationId === instance.organizationId;
  return owner.assigned;
}

/** Whether the caller may pick `user` as a key's owner (else 404 user_not_found). */
export function userInReach(
  caller: Pick<Caller, "role" | "userId" | "organizationId">,
  user: UserRow,
): boolean {
  if (caller.role === "super_admin") return true;
  if (caller.role === "admin") return user.organizationId === caller.organizationId;
  return caller.userId !== null && user.id === caller.userId;
}

/**
 * Whether the caller may revoke or rotate a key it reaches: its own keys always; others' only when
 * it could grant their role (an admin may not rotate itself a super_admin's secret).
 */
export function mayManageKey(
  caller: Pick<Caller, "role" | "userId" | "keyId">,
  key: Pick<ApiKeyRow, "id" | "role" | "userId">,
): boolean {
  if (key.id === caller.keyId) return true;
  if (caller.userId !== null && key.userId === caller.userId) return true;
  return canGrant(caller.role, key.role);
}

/** The conditions limiting api_keys rows to those the caller reaches. */
export function keyScope(caller: Caller): (SQL | undefined)[] {
  return [
    organizationFilter(caller, apiKeys.organizationId),
    caller.role !== "user"
      ? undefined
      : caller.userId !== null
        ? eq(apiKeys.userId, caller.userId)
        : eq(apiKeys.id, caller.keyId),
    caller.instanceId === null ? undefined : eq(apiKeys.instanceId, caller.instanceId),
    caller.projectId === null ? undefined : eq(apiKeys.projectId, caller.projectId),
  ];
}

/** The rotated row's secret fields: the previous secret stays valid for `graceSeconds` (0: stops now). */
export function rotationFields(
  row: Pick<ApiKeyRow, "keyHash">,
  next: { keyHash: string; prefix: string },
  graceSeconds: number,
  now: number,
) {
  return {
    keyHash: next.keyHash,
    prefix: next.prefix,
    previousKeyHash: row.keyHash,
    previousExpiresAt: now + graceSeconds * 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// The D1 side

export interface CreateApiKeyInput {
  name: string;
  instanceId?: string;
  projectId?: string;
  /** The owner; null: a project service key (needs a project); absent: the calling key's user. */
  userId?: string | null;
  expiresAt?: number;
}

export interface ListApiKeysQuery {
  instanceId?: string;
  userId?: string;
  projectId?: string;
  limit: number;
  cursor?: PageCursor;
}

/** Creates a key; returns its row and its secret (the only time the secret exists outside the client). */
export async function createApiKey(
  ctx: ChangeContext,
  input: CreateApiKeyInput,
): Promise<{ row: ApiKeyRow; secret: string }> {
  const { db, caller, now } = ctx;
  if (input.expiresAt !== undefined && input.expiresAt <= now) {
    throw new ApiError("validation_failed", "expires_at must be in the future", [
      { path: "expires_at", message: "must be in the future" },
    ]);
  }
  const projectId = input.projectId ?? caller.projectId;
  const { instance, project } = await keyTarget(db, caller, input.instanceId, projectId, input.projectId);
  const owner = await keyOwner(db, caller, input.userId, projectId, instance);
  const grant = decideKeyGrant({ caller, owner: owner.owner, instance, projectId: project?.id ?? null });
  if (!grant.ok) throw new ApiError(grant.code, grant.detail);

  const secret = generateApiKey();
  const row: ApiKeyRow = {
    id: newId("key"),
    organizationId: instance?.organizationId ?? owner.user?.organizationId ?? caller.organizationId,
    instanceId: instance?.id ?? null,
    projectId: project?.id ?? null,
    userId: owner.user?.id ?? null,
    role: grant.role,
    name: input.name,
    keyHash: await sha256Hex(secret),
    prefix: displayPrefix(secret),
    previousKeyHash: null,
    previousExpiresAt: null,
    expiresAt: input.expiresAt ?? null,
    createdAt: now,
    revokedAt: null,
    lastUsedAt: null,
  };
  await db.batch([
    db.insert(apiKeys).values(row),
    auditInsert(ctx, {
      organizationId: row.organizationId,
      action: "api_key.create",
      resourceType: "api_key",
      resourceId: row.id,
      before: null,
      after: apiKeyView(row, now),
    }),
  ]);
  return { row, secret };
}

/** The instance and project a new key is narrowed to (defaults: the project's, then the caller's). */
async function keyTarget(
  db: Db,
  caller: Caller,
  instanceId: string | undefined,
  projectId: string | null,
  namedProjectId: string | undefined,
): Promise<{ instance: InstanceRow | null; project: ProjectRow | null }> {
  const project = projectId
    ? ((await db.select().from(projects).where(eq(projects.id, projectId)).get()) ?? null)
    : null;
  const projectMissing = () => new ApiError("project_not_found", `No project ${projectId}`);
  if (projectId && !project && instanceId === undefined) throw projectMissing();
  const wanted = instanceId ?? project?.instanceId ?? caller.instanceId;
  if (!wanted) return { instance: null, project: null };
  const instance = await reachableInstance(db, caller, wanted);
  if (!instance) {
    // An instance reached only through a named project is that project's secret, not the instance's.
    if (instanceId === undefined && namedProjectId !== undefined) throw projectMissing();
    throw new ApiError("instance_not_found", `No instance ${wanted}`);
  }
  if (projectId && project?.instanceId !== instance.id) {
    throw new ApiError("project_not_found", `No project ${projectId} in instance ${instance.id}`);
  }
  if (instance.archivedAt !== null)
    throw new ApiError("archived", `Instance ${instance.id} is archived: its keys do not work`);
  if (project?.archivedAt != null)
    throw new ApiError("archived", `Project ${project.id} is archived: its keys do not work`);
  return { instance, project };
}

/** The new key's owner: the named user, a project (service key), or by default the caller's user. */
async function keyOwner(
  db: Db,
  caller: Caller,
  userId: string | null | undefined,
  projectId: string | null,
  instance: InstanceRow | null,
): Promise<{ owner: KeyOwner; user: UserRow | null }> {
  const ownerId = userId === undefined ? (caller.userId ?? (projectId ? null : undefined)) : userId;
  if (ownerId === undefined) {
    throw new ApiError(
      "validation_failed",
      "This key has no user: name user_id (the owner), or project_id for a project service key",
      [{ path: "user_id", message: "required for a key without a user" }],
    );
  }
  if (ownerId === null) {
    if (!projectId) {
      throw new ApiError("validation_failed", "A project service key (user_id null) needs project_id", [
        { path: "project_id", message: "required when user_id is null" },
      ]);
    }
    return { owner: { kind: "project" }, user: null };
  }
  const user = await db.select().from(users).where(eq(users.id, ownerId)).get();
  if (!user || !userInReach(caller, user)) throw new ApiError("user_not_found", `No user ${ownerId}`);
  if (user.disabledAt !== null) throw new ApiError("archived", `User ${user.id} is disabled`);
  const assigned = instance ? await isAssigned(db, user.id, instance.id) : false;
  return {
    owner: { kind: "user", id: user.id, role: user.role, organizationId: user.organizationId, assigned },
    user,
  };
}

/** One page of the keys the caller reaches, newest first. */
export async function listApiKeys(
  db: Db,
  caller: Caller,
  query: ListApiKeysQuery,
): Promise<{ rows: ApiKeyRow[]; nextCursor: string | null }> {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(
      and(
        ...keyScope(caller),
        query.instanceId === undefined ? undefined : eq(apiKeys.instanceId, query.instanceId),
        query.userId === undefined ? undefined : eq(apiKeys.userId, query.userId),
        query.projectId === undefined ? undefined : eq(apiKeys.projectId, query.projectId),
        afterCursor(apiKeys, query.cursor),
      ),
    )
    .orderBy(...newestFirst(apiKeys))
    .limit(query.limit + 1)
    .all();
  return toPage(rows, query.limit);
}

/** The key, if the caller reaches it and may manage it (404 / 403 otherwise). */
async function manageableKey(db: Db, caller: Caller, id: string): Promise<ApiKeyRow> {
  const row = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), ...keyScope(caller)))
    .get();
  if (!row) throw new ApiError("api_key_not_found", `No API key ${id}`);
  if (!mayManageKey(caller, row))
    throw new ApiError("forbidden", `A ${caller.role} key may not manage a ${row.role} key`);
  return row;
}

function forgetSecrets(row: Pick<ApiKeyRow, "keyHash" | "previousKeyHash">): void {
  forgetCaller(row.keyHash);
  if (row.previousKeyHash) forgetCaller(row.previousKeyHash);
}

/** Revokes a key (both its secrets stop at once in this isolate); revoking it again changes nothing. */
export async function revokeApiKey(ctx: ChangeContext, id: string): Promise<ApiKeyRow> {
  const { db, caller, now } = ctx;
  const row = await manageableKey(db, caller, id);
  if (row.revokedAt !== null) {
    forgetSecrets(row);
    return row;
  }
  const revoked: ApiKeyRow = { ...row, revokedAt: now };
  await db.batch([
    db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, id)),
    auditInsert(ctx, {
      organizationId: row.organizationId,
      action: "api_key.revoke",
      resourceType: "api_key",
      resourceId: id,
      before: apiKeyView(row, now),
      after: apiKeyView(revoked, now),
    }),
  ]);
  forgetSecrets(row);
  return revoked;
}

/**
 * Gives a key a new secret; the current one stays valid for `graceSeconds` (0: it stops now), a
 * secret rotated out earlier stops now. A revoked or expired key is not rotated: 404, create a new one.
 */
export async function rotateApiKey(
  ctx: ChangeContext,
  id: string,
  graceSeconds: number,
): Promise<{ row: ApiKeyRow; secret: string }> {
  const { db, caller, now } = ctx;
  const row = await manageableKey(db, caller, id);
  const status = apiKeyStatus(row, now);
  if (status !== "active")
    throw new ApiError(
      "api_key_not_found",
      `API key ${id} is ${status}: it cannot be rotated; create a new key`,
    );
  const secret = generateApiKey();
  const fields = rotationFields(
    row,
    { keyHash: await sha256Hex(secret), prefix: displayPrefix(secret) },
    graceSeconds,
    now,
  );
  const rotated: ApiKeyRow = { ...row, ...fields };
  await db.batch([
    db.update(apiKeys).set(fields).where(eq(apiKeys.id, id)),
    auditInsert(ctx, {
      organizationId: row.organizationId,
      action: "api_key.rotate",
      resourceType: "api_key",
      resourceId: id,
      before: apiKeyView(row, now),
      after: apiKeyView(rotated, now),
    }),
  ]);
  forgetSecrets(row);
  return { row: rotated, secret };
}
