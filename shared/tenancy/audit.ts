// The audit trail of admin changes. A change and its record go in one D1 batch, so there is never
// a change without its record (or a record of a change that failed).
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import { auditLog } from "../db/schema";
import { newId } from "../ids";

/** Who acts, and for which request: what every admin module needs to record a change. */
export interface ChangeContext {
  db: Db;
  caller: Caller;
  requestId: string;
  now: number;
}

export interface AuditEntry {
  /** The organization the change belongs to; null for system-wide ones. */
  organizationId: string | null;
  /** `<resource>.<verb>`, e.g. "instance.create", "api_key.rotate". */
  action: string;
  resourceType: string;
  resourceId: string;
  /** The resource as the API shows it before / after (never a secret or a key hash). */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** The audit row of one change. */
export function auditRecord(ctx: ChangeContext, entry: AuditEntry): typeof auditLog.$inferInsert {
  return {
    id: newId("aud"),
    organizationId: entry.organizationId,
    actorKeyId: ctx.caller.keyId,
    actorUserId: ctx.caller.userId,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    requestId: ctx.requestId,
    createdAt: ctx.now,
  };
}

/** The audit insert for one change: put it in the same `db.batch` as the change itself. */
export function auditInsert(ctx: ChangeContext, entry: AuditEntry) {
  return ctx.db.insert(auditLog).values(auditRecord(ctx, entry));
}
