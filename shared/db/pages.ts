// Keyset pages over (created_at, id), newest first: stable under inserts, no OFFSET scans.
// A cursor is opaque to clients: base64 of "<created_at>:<id>" of the last row of the page.
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

export interface PageCursor {
  createdAt: number;
  id: string;
}

export function encodeCursor(row: PageCursor): string {
  return btoa(`${row.createdAt}:${row.id}`).replaceAll("=", "");
}

export function decodeCursor(cursor: string): PageCursor | null {
  try {
    const [ms, id] = atob(cursor).split(":");
    const createdAt = Number(ms);
    if (!id || !Number.isSafeInteger(createdAt)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

/** The condition "after the cursor" in newest-first order (undefined without a cursor). */
export function afterCursor(
  columns: { createdAt: SQLiteColumn; id: SQLiteColumn },
  cursor: PageCursor | null | undefined,
): SQL | undefined {
  if (!cursor) return undefined;
  return or(
    lt(columns.createdAt, cursor.createdAt),
    and(eq(columns.createdAt, cursor.createdAt), lt(columns.id, cursor.id)),
  );
}

/** Newest-first ordering that matches `afterCursor`. */
export function newestFirst(columns: { createdAt: SQLiteColumn; id: SQLiteColumn }) {
  return [desc(columns.createdAt), desc(columns.id)] as const;
}

/** Rows fetched with `limit + 1` -> one page and the cursor of the next (null on the last page). */
export function toPage<T extends PageCursor>(
  rows: T[],
  limit: number,
): { rows: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
