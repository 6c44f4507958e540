// The Idempotency-Key's two failure points (issue 21), with injected faults:
// - a first request that dies between claim and answer must not hold the key for a day: its
//   claim is a short lease (IDEMPOTENCY_CLAIM_LEASE_MS), after which a retry takes the key;
// - the job and the recorded answer are written in one D1 batch, so a failure recording the answer
//   leaves no job behind, and the client's retry creates exactly one job.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { IDEMPOTENCY_CLAIM_LEASE_MS, IDEMPOTENCY_TTL_MS } from "../../shared/jobs/idempotency";
import { seedTenant } from "../support/tenant";
import { callWith, countJobs, expectProblem, jobBody, postInit, rows } from "./helpers";

const idem = (key: string) => ({ "idempotency-key": key });

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * A claim left behind by a request that died after claiming: every D1 batch after the claim's
 * fails (the job's, and the release's), then the claim is aged by `ageMs`.
 */
async function abandonedClaim(t: { userKey: string; keyIds: { user: string } }, key: string, ageMs: number) {
  const claims = (sqls: string[]) => sqls.some((sql) => /^insert into "idempotency_keys"/i.test(sql));
  let claimed = false;
  // Everything up to and including the claim works; from then on every statement fails.
  const dying = faultyD1((sqls) => {
    if (claimed) return true;
    claimed = claims(sqls);
    return false;
  });
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  const res = await callWith({ DB: dying }, "/v1/jobs", postInit(t.userKey, jobBody(), idem(key)));
  expect(res.status).toBe(500);
  await env.DB.prepare(
    "UPDATE idempotency_keys SET created_at = created_at - ?1, expires_at = expires_at - ?1 WHERE api_key_id = ?2",
  )
    .bind(ageMs, t.keyIds.user)
    .run();
}

/** A statement of the faulty D1 below: the real one, and the SQL it was prepared from. */
interface Traced {
  real: D1PreparedStatement;
  sql: string;
}

/**
 * The real D1 for everything but the statements and batches `fails` picks (by their SQL), which
 * throw as a D1 error would. Statements are traced, not proxied: D1's batch takes only its own statements.
 */
function faultyD1(fails: (sqls: string[]) => boolean): D1Database {
  const traced = (real: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const statement: Traced & Partial<D1PreparedStatement> = { real, sql };
    statement.bind = (...values: unknown[]) => traced(real.bind(...values), sql);
    for (const method of ["first", "run", "all", "raw"] as const) {
      (statement as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
        if (fails([sql])) throw new Error("D1_ERROR: injected fault");
        return (real[method] as (...a: unknown[]) => unknown).apply(real, args);
      };
    }
    return statement as unknown as D1PreparedStatement;
  };
  const db = env.DB;
  return {
    prepare: (sql: string) => traced(db.prepare(sql), sql),
    batch: async (statements: D1PreparedStatement[]) => {
      const items = statements as unknown as Traced[];
      if (fails(items.map((s) => s.sql))) throw new Error("D1_ERROR: injected fault");
      return db.batch(items.map((s) => s.real));
    },
    exec: (sql: string) => db.exec(sql),
    withSession: () => db.withSession(),
    dump: () => db.dump(),
  } as unknown as D1Database;
}

const recordsAnswer = (sqls: string[]) => sqls.some((sql) => /^update "idempotency_keys"/i.test(sql));

describe("Idempotency-Key failure points", () => {
  it("claims a key for a short lease, and keeps the answer for a day", async () => {
    const t = await seedTenant(env.DB);
    const before = Date.now();
    const res = await callWith({}, "/v1/jobs", postInit(t.userKey, jobBody(), idem("kept")));
    expect(res.status).toBe(202);
    const [row] = await rows<{ expires_at: number; response_status: number }>(
      "SELECT expires_at, response_status FROM idempotency_keys WHERE api_key_id = ?",
      t.keyIds.user,
    );
    expect(row?.response_status).toBe(202);
    expect(row?.expires_at).toBeGreaterThanOrEqual(before + IDEMPOTENCY_TTL_MS);
  });

  it("answers 409 while an abandoned claim's lease runs, then lets the retry take the key", async () => {
    const t = await seedTenant(env.DB);
    await abandonedClaim(t, "dying", IDEMPOTENCY_CLAIM_LEASE_MS / 2);
    const early = await callWith({}, "/v1/jobs", postInit(t.userKey, jobBody(), idem("dying")));
    await expectProblem(early, 409, "idempotency_key_in_progress");

    const u = await seedTenant(env.DB);
    await abandonedClaim(u, "died", IDEMPOTENCY_CLAIM_LEASE_MS + 1_000);
    const later = await callWith({}, "/v1/jobs", postInit(u.userKey, jobBody(), idem("died")));
    expect(later.status).toBe(202);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(await countJobs(u.instanceId)).toBe(1);
  });

  it("writes no job when recording the answer fails, so the client's retry makes exactly one", async () => {
    const t = await seedTenant(env.DB);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const failed = await callWith(
      { DB: faultyD1(recordsAnswer) },
      "/v1/jobs",
      postInit(t.userKey, jobBody(), idem("once")),
    );
    expect(failed.status).toBe(500);
    expect(await countJobs(t.instanceId)).toBe(0);

    const retried = await callWith({}, "/v1/jobs", postInit(t.userKey, jobBody(), idem("once")));
    expect(retried.status).toBe(202);
    expect(await countJobs(t.instanceId)).toBe(1);
  });
});
