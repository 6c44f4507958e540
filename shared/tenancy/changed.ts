// The audit condition for a change that may not apply (a conditional update or an insert that lost
// a race): SQLite's changes() is the row count of the statement just before, and a D1 batch runs
// its statements in order on one connection, in one transaction. So `auditInsertWhen(ctx, entry,
// PREVIOUS_STATEMENT_CHANGED)` right after the change writes the record exactly when it applied.
// (A condition on the row's state cannot tell two concurrent requests apart: workerd's clock
// stands still between I/O, so both may carry the same `now`.)
import { sql } from "drizzle-orm";

export const PREVIOUS_STATEMENT_CHANGED = sql`changes() = 1`;
