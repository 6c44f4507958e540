// Idempotency-Key on POST /v1/workflows, with POST /v1/jobs's rules (shared/jobs/idempotency.ts):
// the same key and body answer the first answer again and create nothing; the same key with
// another body is a 422; one still in flight a 409. The record's job_id column holds the workflow
// id. The fingerprint names the route, so a key first used for a job is "reused" here, not replayed.
import type { Db } from "../db/client";
import {
  claimIdempotencyKey,
  fingerprint,
  parseIdempotencyKey,
  recordIdempotentAnswer,
  releaseIdempotencyKey,
} from "../jobs/idempotency";

export type Once<T> =
  | { replayed: true; id: string | null; body: T }
  | { replayed: false; id: string; body: T };

export async function createOnce<T>(
  deps: { db: Db; apiKeyId: string; now: number },
  header: string | undefined,
  request: unknown,
  create: () => Promise<{ id: string; body: T }>,
): Promise<Once<T>> {
  const { db, apiKeyId, now } = deps;
  const key = parseIdempotencyKey(header);
  if (!key) return { replayed: false, ...(await create()) };
  const print = await fingerprint({ route: "POST /v1/workflows", body: request });
  const claim = await claimIdempotencyKey(db, apiKeyId, key, print, now);
  if (claim.kind === "replay") return { replayed: true, id: claim.jobId, body: JSON.parse(claim.body) as T };
  let made: { id: string; body: T };
  try {
    made = await create();
  } catch (error) {
    // Nothing (or not all) was created: the client may retry with the same key.
    await releaseIdempotencyKey(db, apiKeyId, key).catch(() => undefined);
    throw error;
  }
  const answer = { status: 201, body: JSON.stringify(made.body), jobId: made.id };
  await recordIdempotentAnswer(db, apiKeyId, key, answer, now);
  return { replayed: false, ...made };
}
