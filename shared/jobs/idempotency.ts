// Idempotency-Key (IETF httpapi draft): the same key with the same body returns the first answer
// without enqueuing again; the same key with another body is a 422; a key still in flight is a 409.
// Keys are scoped per API key and kept 24 hours.
import { and, eq, lt } from "drizzle-orm";
import type { Db } from "../db/client";
import { idempotencyKeys } from "../db/schema";
import { sha256Hex } from "../auth/keys";
import { ApiError } from "../errors";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a claim whose request has not answered holds the key. A request that died between claim
 * and answer (its isolate evicted, a D1 error) frees the key when this runs out, instead of
 * answering 409 for a day; an accepting request takes a few D1 round trips and a queue send, far
 * less than this, so a live one is not overtaken.
 */
export const IDEMPOTENCY_CLAIM_LEASE_MS = 60 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Accepts the draft's sf-string form ("abc") and the bare form (abc). */
export function parseIdempotencyKey(header: string | undefined): string | null {
  if (header === undefined) return null;
  const trimmed = header.trim();
  const unquoted = /^".*"$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
  if (!KEY_PATTERN.test(unquoted) || unquoted.includes('"')) {
    throw new ApiError("idempotency_key_invalid", "Idempotency-Key must be 1-255 visible ASCII characters");
  }
  return unquoted;
}

/** A stable fingerprint of a JSON document: object keys sorted, so key order does not matter. */
export async function fingerprint(value: unknown): Promise<string> {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return sha256Hex(JSON.stringify(canonical(value)));
}

export type IdempotencyClaim =
  | { kind: "claimed" }
  | { kind: "replay"; status: number; body: string; jobId: string | null };

export async function claimIdempotencyKey(
  db: Db,
  apiKeyId: string,
  key: string,
  print: string,
  now: number,
): Promise<IdempotencyClaim> {
  const where = and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key));
  // An expired record is forgotten before the claim (same round trip), so an old key may be reused.
  const [, inserted] = await db.batch([
    db.delete(idempotencyKeys).where(and(where, lt(idempotencyKeys.expiresAt, now))),
    db
      .insert(idempotencyKeys)
      .values({
        apiKeyId,
        key,
        fingerprint: print,
        createdAt: now,
        expiresAt: now + IDEMPOTENCY_CLAIM_LEASE_MS,
      })
      .onConflictDoNothing(),
  ]);
  if (inserted.meta.changes === 1) return { kind: "claimed" };

  const existing = await db.select().from(idempotencyKeys).where(where).get();
  if (!existing) return claimIdempotencyKey(db, apiKeyId, key, print, now);
  if (existing.fingerprint !== print) {
    throw new ApiError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used with a different body",
    );
  }
  if (existing.responseStatus === null || existing.responseBody === null) {
    throw new ApiError(
      "idempotency_key_in_progress",
      "The first request with this key has not finished; retry",
    );
  }
  return {
    kind: "replay",
    status: existing.responseStatus,
    body: existing.responseBody,
    jobId: existing.jobId,
  };
}

/**
 * The statement recording the answer (and the day it is kept for), to run in the batch that
 * creates the job: the job and its record are written together or not at all.
 */
export function recordIdempotentAnswer(
  db: Db,
  apiKeyId: string,
  key: string,
  response: { status: number; body: string; jobId: string },
  now: number,
) {
  return db
    .update(idempotencyKeys)
    .set({
      responseStatus: response.status,
      responseBody: response.body,
      jobId: response.jobId,
      expiresAt: now + IDEMPOTENCY_TTL_MS,
    })
    .where(and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key)));
}

/** The statement freeing a key (run with the job's removal when the queue refused its message). */
export function releaseStatement(db: Db, apiKeyId: string, key: string) {
  return db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key)));
}

/** Frees the key when the request failed, so the client can retry with the same key. */
export async function releaseIdempotencyKey(db: Db, apiKeyId: string, key: string): Promise<void> {
  await releaseStatement(db, apiKeyId, key);
}

/** Drops records past their 24 h (run by the consumer's cron), so the table does not grow forever. */
export async function purgeExpiredIdempotencyKeys(db: Db, now: number): Promise<number> {
  const result = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, now)).run();
  return result.meta.changes;
}
