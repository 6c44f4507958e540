// An audit insert that applies only when a condition holds at its turn in the batch: for changes
// whose own statement may not apply (a conditional update that lost a race), so the record is
// written exactly when the change was. Put it AFTER the change in the same `db.batch`.
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import { auditLog } from "../db/schema";
import { type AuditEntry, auditRecord, type ChangeContext } from "./audit";

/** `auditInsert`, but `INSERT ... SELECT ... WHERE condition`: no row when the condition is false. */
export function auditInsertWhen(ctx: ChangeContext, entry: AuditEntry, condition: SQL) {
  const record: Record<string, unknown> = auditRecord(ctx, entry);

  // In the table's column order, which is the order drizzle names the columns of the insert.
  const values = Object.entries(getTableColumns(auditLog)).map(([key, column]) => {
    const value = record[key];
    return value === null || value === undefined ? sql`null` : sql.param(value, column);
  });
  return ctx.db.insert(auditLog).select(sql`select ${sql.join(values, sql`, `)} where ${condition}`);
}
