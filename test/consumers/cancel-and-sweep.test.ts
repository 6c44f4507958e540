// Pacing deferrals, one message failing in a batch, and the cron sweep that re-sends messages
// for jobs whose message was lost.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../consumers/src/index";
import { bucketName } from "../../consumers/src/pacing";
import { sweepStaleJobs } from "../../consumers/src/sweep";
import { consumerConfig } from "../../shared/config";
import type { JobRow } from "../../shared/db/queries/jobs";
import { idempotencyKeys, providerLimits } from "../../shared/db/schema";
import type { JobMessage } from "../../shared/jobs/message";
import { RESEND_EARLY_TOLERANCE_MS } from "../../shared/jobs/resend";
import { deliverBatch, eventTypes, jobRow, messageFor, spyEnv, testDb } from "./helpers";
import { seedJob, seedTenant } from "../support/tenant";

const db = testDb;
const deliver = (job: JobRow, target: ConsumerEnv, copies = 1) =>
  deliverBatch(
    env.JOBS_QUEUE_NAME,
    Array.from({ length: copies }, () => messageFor(job)),
    target,
  );

/** One call per 100 s: a second job of the instance must wait far longer than inline waits. */
const SLOW = { ratePerSecond: 0.01, burst: 1, maxInFlight: 5 };

async function slowInstance() {
  const tenant = await seedTenant(env.DB);
  await db.insert(providerLimits).values({
    instanceId: tenant.instanceId,
    provider: "demo",
    ...SLOW,
    updatedAt: Date.now(),
  });
  return tenant;
}

describe("pacing deferral", () => {
  it("defers a job when its instance has no token, without counting an attempt", async () => {
    const tenant = await slowInstance();
    const first = await seedJob(env.DB, tenant);
    const second = await seedJob(env.DB, tenant);
    const { env: target, JOBS } = spyEnv();
    await deliver(first, target);
    expect((await jobRow(first.id)).status).toBe("succeeded");

    const result = await deliver(second, target);
    expect(result.explicitAcks).toHaveLength(1);
    const row = await jobRow(second.id);
    expect(row.status).toBe("queued");
    expect(row.attempts).toBe(0);
    expect(await eventTypes(second.id)).toEqual(["queued"]);
    const [body, options] = JOBS.send.mock.calls.at(-1) as unknown as [JobMessage, QueueSendOptions];
    expect(body).toMatchObject({ job_id: second.id, attempt: 0 });
    expect(options.delaySeconds).toBeGreaterThanOrEqual(90);
  });
});

async function busyInstanceJob() {
  const tenant = await slowInstance();
  // The instance's one token goes to another job: this one must wait ~100 s.
  const token = await env.TOKEN_BUCKET.getByName(bucketName(tenant.instanceId, "demo")).acquire({
    leaseId: crypto.randomUUID(),
    limits: SLOW,
  });
  expect(token.granted).toBe(true);
  return seedJob(env.DB, tenant);
}

describe("duplicate copies of a deferred job", () => {
  it("re-sends the job once however many copies arrive together", async () => {
    const job = await busyInstanceJob();
    const { env: target, JOBS } = spyEnv();
    const result = await deliver(job, target, 4);
    expect(result.explicitAcks).toHaveLength(4);
    expect(JOBS.send).toHaveBeenCalledTimes(1);
    const [, options] = JOBS.send.mock.calls[0] as unknown as [JobMessage, QueueSendOptions];
    const row = await jobRow(job.id);
    expect(row.status).toBe("queued");
    expect(row.resendDueAt).toBeGreaterThan(Date.now() + 60_000);
    expect(options.delaySeconds).toBe(Math.round((row.resendDueAt! - Date.now()) / 1000));
  });

  it("acks a later copy without work while the re-sent message is still ahead", async () => {
    const job = await busyInstanceJob();
    const { env: target, JOBS } = spyEnv();
    await deliver(job, target);
    const before = await jobRow(job.id);
    const again = await deliver(job, target);
    expect(again.explicitAcks).toHaveLength(1);
    expect(JOBS.send).toHaveBeenCalledTimes(1);
    expect(await jobRow(job.id)).toEqual(before);
  });

  it("runs the job when its re-sent message falls due", async () => {
    const tenant = await seedTenant(env.DB);
    const job = await seedJob(env.DB, tenant, { overrides: { resendDueAt: Date.now() - 100 } });
    const { env: target, JOBS } = spyEnv();
    await deliver(job, target);
    expect((await jobRow(job.id)).status).toBe("succeeded");
    expect(JOBS.send).not.toHaveBeenCalled();
  });

  it("runs the job when its message comes a little early (clock skew between hosts)", async () => {
    const tenant = await seedTenant(env.DB);
    const early = RESEND_EARLY_TOLERANCE_MS - 100;
    const job = await seedJob(env.DB, tenant, { overrides: { resendDueAt: Date.now() + early } });
    await deliver(job, spyEnv().env);
    expect((await jobRow(job.id)).status).toBe("succeeded");
  });

  it("gives the claim back when the re-send fails, so the redelivery is not taken for a copy", async () => {
    const job = await busyInstanceJob();
    const { env: target, JOBS } = spyEnv();
    JOBS.send.mockRejectedValueOnce(new Error("queue unavailable"));
    const failed = await deliver(job, target);
    expect(failed.retryMessages).toHaveLength(1);
    expect((await jobRow(job.id)).resendDueAt).toBeNull();
    await deliver(job, target);
    expect(JOBS.send).toHaveBeenCalledTimes(2);
  });
});

describe("one failing message in a batch", () => {
  it("retries only that message while its siblings finish and are acked", async () => {
    const busy = await busyInstanceJob();
    const tenant = await seedTenant(env.DB);
    const sibling = await seedJob(env.DB, tenant, {
      overrides: { input: { prompt: "slow sibling [demo:delay=200]", aspect_ratio: "1x1", num_images: 1 } },
    });
    const { env: target, JOBS } = spyEnv();
    JOBS.send.mockRejectedValueOnce(new Error("queue unavailable"));
    const result = await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(busy), messageFor(sibling)], target);
    expect(result.retryMessages).toHaveLength(1);
    expect(result.explicitAcks).toHaveLength(1);
    expect((await jobRow(sibling.id)).status).toBe("succeeded");
    expect((await jobRow(busy.id)).status).toBe("queued");
  });
});

describe("sweep of lost messages", () => {
  it("re-sends stale queued jobs and running jobs with long-expired leases, and only those", async () => {
    const tenant = await seedTenant(env.DB);
    const now = Date.now();
    const config = consumerConfig(env);
    const staleQueued = await seedJob(env.DB, tenant, { overrides: { updatedAt: now - 3 * 3600_000 } });
    const freshQueued = await seedJob(env.DB, tenant);
    const deadRunning = await seedJob(env.DB, tenant, {
      status: "running",
      overrides: { leaseToken: "gone", leaseExpiresAt: now - 10 * 60_000, attempts: 2 },
    });
    const liveRunning = await seedJob(env.DB, tenant, {
      status: "running",
      overrides: { leaseToken: "live", leaseExpiresAt: now + 60_000 },
    });
    const done = await seedJob(env.DB, tenant, {
      status: "succeeded",
      overrides: { updatedAt: now - 3 * 3600_000 },
    });
    const { JOBS } = spyEnv();

    await sweepStaleJobs(db, JOBS as unknown as Queue<JobMessage>, config, now);
    const sent = JOBS.sendBatch.mock.calls.flatMap((call) =>
      [...(call as unknown as [Iterable<{ body: JobMessage }>])[0]].map((m) => m.body),
    );
    const ids = sent.map((m) => m.job_id);
    expect(ids).toContain(staleQueued.id);
    expect(ids).toContain(deadRunning.id);
    for (const id of [freshQueued.id, liveRunning.id, done.id]) expect(ids).not.toContain(id);
    expect(sent.find((m) => m.job_id === deadRunning.id)?.attempt).toBe(1);

    // Touched: the next sweep within the window leaves them alone.
    JOBS.sendBatch.mockClear();
    await sweepStaleJobs(db, JOBS as unknown as Queue<JobMessage>, config, now + 1000);
    const again = JOBS.sendBatch.mock.calls.flatMap((call) =>
      [...(call as unknown as [Iterable<{ body: JobMessage }>])[0]].map((m) => m.body.job_id),
    );
    expect(again).not.toContain(staleQueued.id);
  });
});

describe("cron housekeeping", () => {
  it("forgets idempotency records past their 24 hours and keeps the others", async () => {
    const tenant = await seedTenant(env.DB);
    const now = Date.now();
    const record = (key: string, expiresAt: number) => ({
      apiKeyId: tenant.keyIds.user,
      key,
      fingerprint: "f",
      createdAt: expiresAt - 86_400_000,
      expiresAt,
    });
    await db.insert(idempotencyKeys).values([record("old", now - 1000), record("fresh", now + 3_600_000)]);

    const ctx = createExecutionContext();
    await (worker as ExportedHandler<ConsumerEnv>).scheduled!(createScheduledController(), spyEnv().env, ctx);
    await waitOnExecutionContext(ctx);

    const left = await db
      .select({ key: idempotencyKeys.key })
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.apiKeyId, tenant.keyIds.user))
      .all();
    expect(left.map((r) => r.key)).toEqual(["fresh"]);
  });
});
