import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { narrower } from "../../auth/policy";
import type { Role } from "../../jobs/enums";
import { TtlCache } from "../../ttl-cache";
import type { Db } from "../client";
import { apiKeys, instances, organizations, projects, userInstances, users } from "../schema";

/** Who is calling: the key, its effective role and its reach. */
export interface Caller {
  keyId: string;
  keyPrefix: string;
  /** The key's role, narrowed to its owner's current role. */
  role: Role;
  organizationId: string;
  /** The owning user; null for a project's service key. */
  userId: string | null;
  /** The instance the key is narrowed to; null for an organization-wide admin key. */
  instanceId: string | null;
  projectId: string | null;
  /**
   * False only for a `user`'s key whose user is no longer assigned to the key's instance: it
   * authenticates (it may still manage its own keys) but reaches no instance, and the job API
   * refuses it.
   */
  instanceAssigned: boolean;
  /**
   * The key's instance's monthly budget in USD (shared/budgets), read in the same lookup so an
   * instance without one costs nothing more per job; null or absent: no budget.
   */
  monthlyBudgetUsd?: number | null;
}

/** A caller narrowed to one instance: what the job API and an instance's settings routes need. */
export type Principal = Caller & { instanceId: string };

export function isInstanceCaller(caller: Caller): caller is Principal {
  return caller.instanceId !== null;
}

/**
 * The caller a key hash stands for at `now`, or null: unknown, revoked, expired, a rotated-out
 * secret past its grace, a disabled user or organization, an archived instance or project.
 */
export async function findCallerByHash(db: Db, keyHash: string, now: number): Promise<Caller | null> {
  const row = await db
    .select({
      keyId: apiKeys.id,
      keyPrefix: apiKeys.prefix,
      keyRole: apiKeys.role,
      // Aliased: a column name that appears twice in a row is ambiguous to D1 readers that go by
      // name (the bench's metering wrapper reads rows as objects).
      userRole: sql<Role | null>`${users.role}`.as("user_role"),
      organizationId: apiKeys.organizationId,
      userId: apiKeys.userId,
      instanceId: apiKeys.instanceId,
      projectId: apiKeys.projectId,
      assignedUserId: sql<string | null>`${userInstances.userId}`.as("assigned_user_id"),
      monthlyBudgetUsd: instances.monthlyBudgetUsd,
    })
    .from(apiKeys)
    .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
    .leftJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(instances, eq(instances.id, apiKeys.instanceId))
    .leftJoin(projects, eq(projects.id, apiKeys.projectId))
    .leftJoin(
      userInstances,
      and(eq(userInstances.userId, apiKeys.userId), eq(userInstances.instanceId, apiKeys.instanceId)),
    )
    .where(
      and(
        or(
          eq(apiKeys.keyHash, keyHash),
          and(eq(apiKeys.previousKeyHash, keyHash), gt(apiKeys.previousExpiresAt, now)),
        ),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now)),
        isNull(organizations.disabledAt),
        isNull(users.disabledAt),
        isNull(instances.archivedAt),
        isNull(projects.archivedAt),
      ),
    )
    .get();
  if (!row) return null;
  const { keyRole, userRole, assignedUserId, ...rest } = row;
  const role = userRole ? narrower(keyRole, userRole) : keyRole;
  // A user reaches an instance only while assigned to it (admins reach all of their organization's).
  const instanceAssigned = !(rest.userId && rest.instanceId && role === "user" && !assignedUserId);
  return { ...rest, role, instanceAssigned };
}

const LAST_USED_RESOLUTION_MS = 60_000;
/** Keys whose use this isolate recorded within the resolution: no statement at all for them. */
const recentlyTouched = new TtlCache<true>(LAST_USED_RESOLUTION_MS, 10_000);

/**
 * Records use at most once a minute per key: once per isolate by memory (no D1 statement on the
 * hot path), and once across isolates by the WHERE (a write only when the stored time is older).
 */
export async function touchKeyLastUsed(db: Db, keyId: string, now: number): Promise<void> {
  if (recentlyTouched.get(keyId, now)) return;
  recentlyTouched.set(keyId, true, now);
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, keyId),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - LAST_USED_RESOLUTION_MS)),
      ),
    );
}
