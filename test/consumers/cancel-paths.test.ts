// A cancel requested while a job runs must end the job `canceled` whatever way out of `running`
// the consumer takes next (retry, fallback, dead letter, failure), and a job whose consumer died
// must not stay running for good. Each test follows the job to its final status.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { JobRow } from "../../shared/db/queries/jobs";
import { deadLetters, jobs } from "../../shared/db/schema";
import { transition } from "../../shared/jobs/transitions";
import { jobEventTypes, jobStatuses } from "../../shared/jobs/enums";
import { nextState } from "../../shared/jobs/state-machine";
import { deliverBatch, eventTypes, jobRow, messageFor, spyEnv, testDb, untilStatus } from "./helpers";
import { seedJob, seedTenant } from "../support/tenant";

const JOBS_QUEUE = env.JOBS_QUEUE_NAME;
const MAX_ATTEMPTS = Number(env.JOB_MAX_ATTEMPTS);

/** What POST /v1/jobs/{id}/cancel does to a running job. */
const requestCancel = (id: string) =>
  testDb.update(jobs).set({ cancelRequestedAt: Date.now() }).where(eq(jobs.id, id));

async function jobWith(prompt: string, overrides: Partial<typeof jobs.$inferInsert> = {}) {
  const tenant = await seedTenant(env.DB);
  return seedJob(env.DB, tenant, {
    overrides: { input: { prompt, aspect_ratio: "1x1", num_images: 1 }, ...overrides },
  });
}

/** Delivers the job's message, requests the cancel once the provider call is under way. */
async function cancelDuringCall(job: JobRow, target: ConsumerEnv, attempt = 0) {
  const delivery = deliverBatch(JOBS_QUEUE, [messageFor(job, attempt)], target);
  await untilStatus(job.id, "running");
  await requestCancel(job.id);
  return delivery;
}

describe("a cancel requested during the provider call", () => {
  it("ends the job canceled and keeps no result when the provider then succeeds", async () => {
    const job = await jobWith("slow [demo:delay=400]");
    await cancelDuringCall(job, spyEnv().env);
    expect((await jobRow(job.id)).status).toBe("canceled");
    expect(await eventTypes(job.id)).toEqual(["queued", "running", "canceled"]);
    expect((await jobRow(job.id)).images).toBeNull();
    const stored = await env.IMAGES.list({ prefix: `${job.instanceId}/${job.projectId}/${job.id}/` });
    expect(stored.objects).toEqual([]);
  });

  it("ends the job canceled when the provider then fails retryably, and a later copy keeps it so", async () => {
    const job = await jobWith("[demo:delay=400][demo:fail=provider_timeout]");
    const spies = spyEnv();
    const result = await cancelDuringCall(job, spies.env);
    expect(result.explicitAcks).toHaveLength(1);
    expect((await jobRow(job.id)).status).toBe("canceled");
    expect(await eventTypes(job.id)).toEqual(["queued", "running", "canceled"]);
    expect(spies.JOBS.send).not.toHaveBeenCalled();

    // A redelivered copy (or the sweep's re-send) finds it ended.
    await deliverBatch(JOBS_QUEUE, [messageFor(job)], spies.env);
    expect((await jobRow(job.id)).status).toBe("canceled");
  });

  it("ends the job canceled instead of moving it to its next provider", async () => {
    const job = await jobWith("[demo:delay=400][demo:fail=provider_unavailable]", {
      fallbackProviders: ["openai"],
    });
    const spies = spyEnv();
    await cancelDuringCall(job, spies.env);
    const row = await jobRow(job.id);
    expect(row.status).toBe("canceled");
    expect(row.provider).toBe("demo");
    expect(await eventTypes(job.id)).toEqual(["queued", "running", "canceled"]);
    expect(spies.JOBS.send).not.toHaveBeenCalled();
  });

  it("ends the job canceled instead of failed on a permanent error", async () => {
    const job = await jobWith("[demo:delay=400][demo:fail=provider_bad_request]");
    await cancelDuringCall(job, spyEnv().env);
    expect((await jobRow(job.id)).status).toBe("canceled");
  });

  it("ends the job canceled when its attempts are spent and its message reaches the dead-letter queue", async () => {
    const job = await jobWith("[demo:delay=400][demo:fail=provider_timeout]");
    const spies = spyEnv();
    await cancelDuringCall(job, spies.env, MAX_ATTEMPTS - 1);
    // The consumer hands the job to the DLQ itself; the DLQ consumer then records its end.
    expect((await jobRow(job.id)).status).toBe("running");
    expect(spies.JOBS_DLQ.send).toHaveBeenCalledTimes(1);
    const [deadLetter] = spies.JOBS_DLQ.send.mock.calls[0]!;
    await deliverBatch(env.JOBS_DLQ_NAME, [deadLetter], spies.env);
    const row = await jobRow(job.id);
    expect(row.status).toBe("canceled");
    expect(await eventTypes(job.id)).toEqual(["queued", "running", "canceled"]);
    expect(await testDb.select().from(deadLetters).where(eq(deadLetters.jobId, job.id)).all()).toEqual([]);
  });
});

describe("a cancel requested for a job no live consumer holds", () => {
  it("ends a running job whose lease expired canceled, without calling the provider", async () => {
    const tenant = await seedTenant(env.DB);
    const job = await seedJob(env.DB, tenant, {
      status: "running",
      overrides: { leaseToken: "dead", leaseExpiresAt: Date.now() - 1000, cancelRequestedAt: Date.now() },
    });
    const result = await deliverBatch(JOBS_QUEUE, [messageFor(job)], spyEnv().env);
    expect(result.explicitAcks).toHaveLength(1);
    const row = await jobRow(job.id);
    expect(row.status).toBe("canceled");
    expect(row.attempts).toBe(1);
  });

  it("leaves a job with a live lease to its holder and looks again after the lease", async () => {
    const tenant = await seedTenant(env.DB);
    const job = await seedJob(env.DB, tenant, {
      status: "running",
      overrides: { leaseToken: "live", leaseExpiresAt: Date.now() + 60_000, cancelRequestedAt: Date.now() },
    });
    const spies = spyEnv();
    await deliverBatch(JOBS_QUEUE, [messageFor(job)], spies.env);
    expect((await jobRow(job.id)).status).toBe("running");
    const [, options] = spies.JOBS.send.mock.calls[0]!;
    expect(options?.delaySeconds).toBeGreaterThanOrEqual(60);
  });

  it("ends a queued job canceled when its message arrives", async () => {
    const tenant = await seedTenant(env.DB);
    const job = await seedJob(env.DB, tenant, { overrides: { cancelRequestedAt: Date.now() } });
    await deliverBatch(JOBS_QUEUE, [messageFor(job)], spyEnv().env);
    const row = await jobRow(job.id);
    expect(row.status).toBe("canceled");
    expect(row.attempts).toBe(0);
  });
});

describe("transition() against D1", () => {
  const pairs = jobStatuses.flatMap((state) => jobEventTypes.map((event) => [state, event] as const));

  it.each(pairs)("from %s on %s: applies exactly when the table allows it", async (state, event) => {
    const tenant = await seedTenant(env.DB);
    const job = await seedJob(env.DB, tenant, { status: state });
    const target = nextState(state, event);
    const attempt = transition(testDb, { jobId: job.id, event, from: [state], now: Date.now() });
    if (target === null) {
      await expect(attempt).rejects.toThrow(/job state table/);
      expect((await jobRow(job.id)).status).toBe(state);
      return;
    }
    expect((await attempt).applied).toBe(true);
    const row = await jobRow(job.id);
    expect(row.status).toBe(target);
    expect(row.version).toBe(2);
    expect((await eventTypes(job.id)).at(-1)).toBe(event);
  });

  it("refuses every way out of running but canceled once a cancel was asked", async () => {
    const tenant = await seedTenant(env.DB);
    for (const event of [
      "succeeded",
      "failed",
      "retry_scheduled",
      "provider_fallback",
      "dead_lettered",
    ] as const) {
      const job = await seedJob(env.DB, tenant, {
        status: "running",
        overrides: { cancelRequestedAt: Date.now() },
      });
      expect((await transition(testDb, { jobId: job.id, event, now: Date.now() })).applied).toBe(false);
    }
    const job = await seedJob(env.DB, tenant, {
      status: "running",
      overrides: { cancelRequestedAt: Date.now() },
    });
    expect((await transition(testDb, { jobId: job.id, event: "canceled", now: Date.now() })).applied).toBe(
      true,
    );
  });
});
