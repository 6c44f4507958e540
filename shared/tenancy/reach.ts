// Which rows a caller reaches (the policy says what a role may do; this says where). A row out of
// reach is answered as not found, so other tenants' ids are never confirmed.
//   super_admin: every organization (a key narrowed to an instance: that instance only)
//   admin:       its own organization (likewise narrowed by its key)
//   user:        the instances it is assigned to, narrowed to its key's instance
import { and, eq, inArray, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import { instances, userInstances } from "../db/schema";

export type InstanceRow = typeof instances.$inferSelect;

/** Whether the caller reaches anything of organization `organizationId`. */
export function reachesOrganization(caller: Caller, organizationId: string): boolean {
  return caller.role === "super_admin" || caller.organizationId === organizationId;
}

/** A condition on an organization id column limiting rows to the caller's organizations (undefined: all). */
export function organizationFilter(caller: Caller, column: SQLiteColumn): SQL | undefined {
  return caller.role === "super_admin" ? undefined : eq(column, caller.organizationId);
}

/**
 * The instance ids the caller reaches, or "all" (within organizationFilter). A key narrowed to an
 * instance reaches only it; a user reaches its assigned instances (a project's service key, which
 * has no user, its own instance).
 */
export async function reachableInstanceIds(db: Db, caller: Caller): Promise<string[] | "all"> {
  if (caller.instanceId) {
    if (caller.role !== "user" || !caller.userId) return [caller.instanceId];
    return (await isAssigned(db, caller.userId, caller.instanceId)) ? [caller.instanceId] : [];
  }
  if (caller.role !== "user") return "all";
  if (!caller.userId) return [];
  const rows = await db
    .select({ instanceId: userInstances.instanceId })
    .from(userInstances)
    .where(eq(userInstances.userId, caller.userId))
    .all();
  return rows.map((r) => r.instanceId);
}

/** Whether the user is assigned to the instance. */
export async function isAssigned(db: Db, userId: string, instanceId: string): Promise<boolean> {
  const row = await db
    .select({ userId: userInstances.userId })
    .from(userInstances)
    .where(and(eq(userInstances.userId, userId), eq(userInstances.instanceId, instanceId)))
    .get();
  return row !== undefined;
}

/** A condition limiting an instance id column to what the caller reaches (undefined: no limit beyond the organization). */
export async function instanceFilter(db: Db, caller: Caller, column: SQLiteColumn): Promise<SQL | undefined> {
  const ids = await reachableInstanceIds(db, caller);
  return ids === "all" ? undefined : inArray(column, ids);
}

/** The instance, if it exists and the caller reaches it; null otherwise (answer 404). */
export async function reachableInstance(
  db: Db,
  caller: Caller,
  instanceId: string,
): Promise<InstanceRow | null> {
  const row = await db.select().from(instances).where(eq(instances.id, instanceId)).get();
  if (!row || !reachesOrganization(caller, row.organizationId)) return null;
  const ids = await reachableInstanceIds(db, caller);
  return ids === "all" || ids.includes(instanceId) ? row : null;
}
