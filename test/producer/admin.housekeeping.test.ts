// POST /v1/admin/housekeeping: super_admin only, answers the run's report, and the run is the
// consumer's real housekeeping (here its entrypoint inside the test Worker, on the same D1).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedJob, seedSuperAdmin, seedTenant } from "../support/tenant";
import { call, expectProblem, rows } from "./helpers";

const HOUR = 60 * 60 * 1000;
const run = (key?: string) =>
  call("/v1/admin/housekeeping", {
    method: "POST",
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });

async function updatedAt(jobId: string): Promise<number> {
  const [row] = await rows<{ updated_at: number }>("SELECT updated_at FROM jobs WHERE id = ?", jobId);
  return row?.updated_at ?? -1;
}

async function seedIdempotencyRecord(apiKeyId: string, key: string, expiresAt: number): Promise<void> {
  await env.DB.prepare(
    "INSERT INTO idempotency_keys (api_key_id, key, fingerprint, created_at, expires_at) VALUES (?, ?, 'f', ?, ?)",
  )
    .bind(apiKeyId, key, expiresAt - 24 * HOUR, expiresAt)
    .run();
}

describe("POST /v1/admin/housekeeping", () => {
  it("answers 401 without a key", async () => {
    await expectProblem(await run(), 401, "unauthorized");
  });

  it("refuses admin and user keys: the run spans every organization", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(await run(t.adminKey), 403, "forbidden");
    await expectProblem(await run(t.userKey), 403, "forbidden");
  });

  it("re-sends a lost job's message and purges expired idempotency records for a super_admin", async () => {
    const t = await seedTenant(env.DB);
    const operator = await seedSuperAdmin(env.DB);
    const now = Date.now();
    // Queued an hour ago and never touched since: its message was lost (stale after 20 minutes).
    const lost = await seedJob(env.DB, t, { status: "queued", createdAt: now - HOUR });
    const fresh = await seedJob(env.DB, t, { status: "queued", createdAt: now });
    await seedIdempotencyRecord(t.keyIds.user, "expired-order", now - 1000);
    await seedIdempotencyRecord(t.keyIds.user, "live-order", now + HOUR);

    const res = await run(operator.key);
    expect(res.status, await res.clone().text()).toBe(200);
    const report = (await res.json()) as Record<string, unknown>;
    expect(report.stale_jobs_resent).toBeGreaterThanOrEqual(1);
    expect(report.idempotency_keys_purged).toBeGreaterThanOrEqual(1);
    for (const count of Object.values(report)) expect(Number.isInteger(count)).toBe(true);

    // The sweep touches a job only after its new message was sent; a job that is not stale is left alone.
    expect(await updatedAt(lost.id)).toBeGreaterThanOrEqual(now);
    expect(await updatedAt(fresh.id)).toBe(fresh.updatedAt);
    const left = await rows<{ key: string }>(
      "SELECT key FROM idempotency_keys WHERE api_key_id = ? ORDER BY key",
      t.keyIds.user,
    );
    expect(left.map((r) => r.key)).toEqual(["live-order"]);
  });
});
