// The `cursor` query parameter of the admin lists: absent, or one this API gave out (else a 400).
import { decodeCursor, type PageCursor } from "../db/pages";
import { ApiError } from "../errors";

/** A page request as the admin list modules take it: `limit` rows after `cursor`. */
export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** The decoded cursor (undefined for the first page); a cursor we never gave out is 400 validation_failed. */
export function pageCursor(cursor: string | undefined): PageCursor | undefined {
  if (cursor === undefined) return undefined;
  const decoded = decodeCursor(cursor);
  if (!decoded) {
    throw new ApiError("validation_failed", "cursor is not one this API gave out", [
      { path: "query.cursor", message: "invalid cursor" },
    ]);
  }
  return decoded;
}
