import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import app from "../../producer/src/index";
import { createDb, type Db } from "../../shared/db/client";
import { getJob } from "../../shared/db/queries/jobs";
import { jobs } from "../../shared/db/schema";
import { cancelJob } from "../../shared/jobs/cancel";
import type { JobStatus } from "../../shared/jobs/enums";
import { authHeaders, jobHistory, seedJob, seedTenant } from "../support/tenant";

async function cancel(id: string, key: string) {
  const ctx = createExecutionContext();
  const res = await app.request(
    `/v1/jobs/${id}/cancel`,
    { method: "POST", headers: authHeaders(key) },
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function lastEvent(jobId: string) {
  return (await jobHistory(env.DB, jobId)).at(-1);
}

describe("POST /v1/jobs/{id}/cancel", () => {
  it("cancels a queued job at once", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "queued" });

    const res = await cancel(job.id, t.userKey);

    expect(res.status).toBe(202);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id: job.id, status: "canceled", cancel_requested: true });
    expect(body.completed_at).toEqual(expect.any(String));
    const row = await getJob(createDb(env.DB), job.id);
    expect(row?.status).toBe("canceled");
    expect(row?.completedAt).not.toBeNull();
    expect(await lastEvent(job.id)).toMatchObject({
      version: 2,
      type: "canceled",
      status: "canceled",
      data: { canceled_by: t.keyIds.user },
    });
  });

  it("lets an admin key of the instance cancel a job", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "queued" });

    const res = await cancel(job.id, t.adminKey);

    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: "canceled" });
  });

  it("only requests cancellation of a running job, which stays running", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, {
      status: "running",
      overrides: { leaseToken: "lease-1", leaseExpiresAt: Date.now() + 60_000 },
    });

    const res = await cancel(job.id, t.userKey);

    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({
      id: job.id,
      status: "running",
      cancel_requested: true,
      completed_at: null,
    });
    const row = await getJob(createDb(env.DB), job.id);
    expect(row?.status).toBe("running");
    expect(row?.cancelRequestedAt).not.toBeNull();
    expect(row?.leaseToken).toBe("lease-1");
    expect(await lastEvent(job.id)).toMatchObject({
      version: 2,
      type: "cancel_requested",
      status: "running",
      data: { requested_by: t.keyIds.user },
    });
  });

  it("answers 202 again without a second event when a running job's cancel was already requested", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "running" });

    expect((await cancel(job.id, t.userKey)).status).toBe(202);
    const again = await cancel(job.id, t.userKey);

    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ status: "running", cancel_requested: true });
    expect(await jobHistory(env.DB, job.id)).toHaveLength(2);
  });

  it.each<JobStatus>(["succeeded", "failed", "canceled", "dead_lettered"])(
    "answers 409 job_not_cancelable for a %s job and changes nothing",
    async (status) => {
      const t = await seedTenant(env.DB);
      const job = await seedJob(env.DB, t, { status });

      const res = await cancel(job.id, t.userKey);

      expect(res.status).toBe(409);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(await res.json()).toMatchObject({ code: "job_not_cancelable", status: 409 });
      const row = await getJob(createDb(env.DB), job.id);
      expect(row?.status).toBe(status);
      expect(row?.version).toBe(1);
    },
  );

  it("returns 404 for a job of another instance and leaves it alone", async () => {
    const mine = await seedTenant(env.DB);
    const other = await seedTenant(env.DB);
    const job = await seedJob(env.DB, other, { status: "queued" });

    for (const key of [mine.userKey, mine.adminKey]) {
      const res = await cancel(job.id, key);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: "job_not_found" });
    }
    expect((await getJob(createDb(env.DB), job.id))?.status).toBe("queued");
  });

  it("returns 404 for an unknown job and 401 without a key", async () => {
    const t = await seedTenant(env.DB);
    expect((await cancel("job_doesnotexist000000000", t.userKey)).status).toBe(404);
    const res = await app.request("/v1/jobs/job_x/cancel", { method: "POST" }, env, createExecutionContext());
    expect(res.status).toBe(401);
  });
});

/** A Db whose n-th batch (a transition's write) first runs `interfere`: a consumer acting meanwhile. */
function racyDb(db: Db, interfereBeforeBatch: number, interfere: () => Promise<unknown>): Db {
  let batches = 0;
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch") {
        return async (...args: Parameters<Db["batch"]>) => {
          batches += 1;
          if (batches === interfereBeforeBatch) await interfere();
          return target.batch(...args);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("cancelJob races", () => {
  it("requests cancellation when a consumer claims the queued job between the read and the write", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "queued" });
    const db = createDb(env.DB);
    const claim = () =>
      db.update(jobs).set({ status: "running", leaseToken: "lease-1" }).where(eq(jobs.id, job.id));

    const row = await cancelJob(
      { db: racyDb(db, 1, claim), now: Date.now },
      { instanceId: t.instanceId, projectId: null, keyId: t.keyIds.user },
      job.id,
    );

    expect(row.status).toBe("running");
    expect(row.cancelRequestedAt).not.toBeNull();
    expect(await lastEvent(job.id)).toMatchObject({ type: "cancel_requested", status: "running" });
  });

  it("reads again and cancels when a running job goes back to queued before the write", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "running" });
    const db = createDb(env.DB);
    // Batch 1 is queued->canceled (no-op: running); before batch 2 the consumer schedules a retry.
    const retry = () =>
      db.update(jobs).set({ status: "queued", leaseToken: null }).where(eq(jobs.id, job.id));

    const row = await cancelJob(
      { db: racyDb(db, 2, retry), now: Date.now },
      { instanceId: t.instanceId, projectId: null, keyId: t.keyIds.user },
      job.id,
    );

    expect(row.status).toBe("canceled");
    expect(row.completedAt).not.toBeNull();
    expect(await lastEvent(job.id)).toMatchObject({ type: "canceled", status: "canceled" });
  });

  it("cancels a queued job whose cancel was requested while it ran (it was retried meanwhile)", async () => {
    const t = await seedTenant(env.DB);
    const requestedAt = Date.now() - 1000;
    const job = await seedJob(env.DB, t, { status: "queued", overrides: { cancelRequestedAt: requestedAt } });

    const row = await cancelJob(
      { db: createDb(env.DB), now: Date.now },
      { instanceId: t.instanceId, projectId: null, keyId: t.keyIds.user },
      job.id,
    );

    expect(row.status).toBe("canceled");
    expect(row.cancelRequestedAt).toBe(requestedAt);
  });
});
