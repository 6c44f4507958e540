// Reading the audit trail (shared/tenancy/audit.ts writes it): newest first, in keyset pages,
// filtered by action, resource, actor and time. A super_admin reads every organization's records
// (and the system-wide ones, which have no organization) or one organization's; anyone else reads
// its own organization's only. An organization out of reach is answered as not found.
import { and, eq, gte, lt, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { afterCursor, newestFirst, type PageCursor, toPage } from "../db/pages";
import type { Caller } from "../db/queries/api-keys";
import { auditLog, organizations } from "../db/schema";
import { ApiError } from "../errors";

export type AuditRecordRow = typeof auditLog.$inferSelect;

export interface AuditLogQuery {
  /** Only this organization's records (a caller other than super_admin may name only its own). */
  organizationId?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  actorUserId?: string;
  /** Records created at or after (epoch ms). */
  since?: number;
  /** Records created before (epoch ms). */
  until?: number;
  limit: number;
  cursor?: PageCursor | null;
}

/** The organization condition for the caller and the asked-for organization (404 when out of reach). */
async function organizationCondition(
  db: Db,
  caller: Caller,
  organizationId: string | undefined,
): Promise<SQL | undefined> {
  if (caller.role !== "super_admin") {
    if (organizationId !== undefined && organizationId !== caller.organizationId) {
      throw new ApiError("organization_not_found", `No organization ${organizationId}`);
    }
    return eq(auditLog.organizationId, caller.organizationId);
  }
  if (organizationId === undefined) return undefined;
  const found = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.id, organizationId))
    .get();
  if (!found) throw new ApiError("organization_not_found", `No organization ${organizationId}`);
  return eq(auditLog.organizationId, organizationId);
}

/** One page of the records the caller may read, newest first, and the cursor of the next page. */
export async function listAuditRecords(
  db: Db,
  caller: Caller,
  query: AuditLogQuery,
): Promise<{ rows: AuditRecordRow[]; nextCursor: string | null }> {
  if (query.since !== undefined && query.until !== undefined && query.since >= query.until) {
    throw new ApiError("validation_failed", "`since` must be before `until`", [
      { path: "query.since", message: "must be before until" },
    ]);
  }
  const conditions = [
    await organizationCondition(db, caller, query.organizationId),
    query.action === undefined ? undefined : eq(auditLog.action, query.action),
    query.resourceType === undefined ? undefined : eq(auditLog.resourceType, query.resourceType),
    query.resourceId === undefined ? undefined : eq(auditLog.resourceId, query.resourceId),
    query.actorUserId === undefined ? undefined : eq(auditLog.actorUserId, query.actorUserId),
    query.since === undefined ? undefined : gte(auditLog.createdAt, query.since),
    query.until === undefined ? undefined : lt(auditLog.createdAt, query.until),
    afterCursor(auditLog, query.cursor),
  ];
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(...newestFirst(auditLog))
    .limit(query.limit + 1)
    .all();
  return toPage(rows, query.limit);
}
