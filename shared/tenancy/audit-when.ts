// An audit insert that applies only when a condition holds at its turn in the batch: for changes
// whose own statement may not apply (a conditional update that lost a race), so the record is
// written exactly when the change was. Put it AFTER the change in the same `db.batch`.
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import { auditLog } from "../db/schema";
import { newId } from "../ids";
import type { AuditEntry, ChangeContext } from "./audit";

/** `auditInsert`, but `INSERT ... SELECT ... WHERE condition`: no row when the condition is false. */
export function auditInsertWhen(ctx: ChangeContext, entry: AuditEntry, condition: SQL) {
  const record: Record<string, unknown> = {
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
  // In the table's column order, which is the order drizzle names the columns of the insert.
  const values = Object.entries(getTableColumns(auditLog)).map(([key, column]) => {
    const value = record[key];
    return value === null || value === undefined ? sql`null` : sql.param(value, column);
  });
  return ctx.db.insert(auditLog).select(sql`select ${sql.join(values, sql`, `)} where ${condition}`);
}
