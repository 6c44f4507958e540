// The jobs consumer inside workerd: real D1, R2 and TokenBucket; JOBS / JOBS_DLQ are spies
// (./helpers.ts), so what the consumer sends is observed.
import { env } from "cloudflare:workers";
import { count, eq, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { bucketName } from "../../consumers/src/pacing";
import { createDb } from "../../shared/db/client";
import { deadLetters, jobs } from "../../shared/db/schema";
import type { JobRow } from "../../shared/db/queries/jobs";
import type { ImageInput } from "../../shared/jobs/input";
import { deliverBatch, jobRow, messageFor, spyEnv } from "./helpers";
import { bucketState } from "./bucket-state";
import { type SeedJobOptions, seedJob, seedTenant } from "../support/tenant";

const db = createDb(env.DB);
const JOBS_QUEUE = env.JOBS_QUEUE_NAME;
const DLQ = env.JOBS_DLQ_NAME;
const MAX_ATTEMPTS = Number(env.JOB_MAX_ATTEMPTS);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const deliver = (queue: string, messages: { id: string; body: unknown }[], target: ConsumerEnv) =>
  deliverBatch(
    queue,
    messages.map((m) => m.body),
    target,
    messages.map((m) => m.id),
  );

async function seedJobWith(input: Partial<ImageInput>, opts: SeedJobOptions = {}) {
  const tenant = await seedTenant(env.DB);
  return seedJob(env.DB, tenant, {
    ...opts,
    overrides: {
      input: { prompt: "a consumer test", aspect_ratio: "1x1", num_images: 1, ...input },
      ...opts.overrides,
    },
  });
}

const eventsOf = async (id: string) => (await jobRow(id)).events;
const imagesOf = async (id: string) => (await jobRow(id)).images ?? [];
const typesOf = async (id: string) => (await eventsOf(id)).map((e) => e.type);
const prefixOf = (job: JobRow) => `${job.instanceId}/${job.projectId}/${job.id}/`;
const objectsUnder = async (prefix: string) => (await env.IMAGES.list({ prefix })).objects.map((o) => o.key);

async function tableCounts() {
  const [j] = await db.select({ n: count() }).from(jobs);
  const [e] = await db.select({ n: sql<number>`sum(json_array_length(${jobs.events}))` }).from(jobs);
  const [i] = await db
    .select({ n: sql<number>`coalesce(sum(json_array_length(${jobs.images})), 0)` })
    .from(jobs);
  const objects = (await env.IMAGES.list()).objects.length;
  return { jobs: j!.n, events: e!.n, images: i!.n, objects };
}

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("jobs consumer: the happy path", () => {
  it("runs a queued job to succeeded, stores its PNG in R2 and acks the message", async () => {
    const job = await seedJobWith({ prompt: "a lighthouse", aspect_ratio: "16x9", seed: 42 });
    const t = spyEnv();

    const result = await deliver(JOBS_QUEUE, [{ id: "m-ok", body: messageFor(job) }], t.env);

    expect(result.explicitAcks).toEqual(["m-ok"]);
    expect(result.retryMessages).toEqual([]);
    expect(result.retryBatch.retry).toBe(false);
    const after = await jobRow(job.id);
    expect(after).toMatchObject({
      status: "succeeded",
      attempts: 1,
      provider: "demo",
      model: "demo-gradient-v1",
      leaseToken: null,
      errorCode: null,
      version: 3,
    });
    const key = `${prefixOf(job)}0.png`;
    expect(await imagesOf(job.id)).toEqual([
      expect.objectContaining({
        index: 0,
        r2Key: key,
        contentType: "image/png",
        width: 512,
        height: 288,
        seed: 42,
      }),
    ]);
    const object = await env.IMAGES.get(key);
    expect(object).not.toBeNull();
    expect(object!.httpMetadata?.contentType).toBe("image/png");
    expect(object!.customMetadata).toEqual({ job_id: job.id, provider: "demo", seed: "42" });
    const bytes = new Uint8Array(await object!.arrayBuffer());
    expect([...bytes.slice(0, 8)]).toEqual(PNG_SIGNATURE);
    expect((await imagesOf(job.id))[0]!.bytes).toBe(bytes.byteLength);

    const events = await eventsOf(job.id);
    expect(events.map((e) => [e.version, e.type, e.status])).toEqual([
      [1, "queued", "queued"],
      [2, "running", "running"],
      [3, "succeeded", "succeeded"],
    ]);
    expect(t.JOBS.send).not.toHaveBeenCalled();
    expect(t.JOBS_DLQ.send).not.toHaveBeenCalled();
  });

  it("stores one object per image for num_images 3", async () => {
    const job = await seedJobWith({ num_images: 3, seed: 5 });
    const result = await deliver(JOBS_QUEUE, [{ id: "m-3", body: messageFor(job) }], spyEnv().env);
    expect(result.explicitAcks).toEqual(["m-3"]);
    expect((await imagesOf(job.id)).map((i) => [i.index, i.seed])).toEqual([
      [0, 5],
      [1, 6],
      [2, 7],
    ]);
    expect((await objectsUnder(prefixOf(job))).sort()).toEqual(
      [0, 1, 2].map((n) => `${prefixOf(job)}${n}.png`),
    );
  });
});

describe("jobs consumer: messages with nothing to do", () => {
  it("acks an invalid message body and writes nothing", async () => {
    const t = spyEnv();
    const before = await tableCounts();
    const result = await deliver(
      JOBS_QUEUE,
      [
        { id: "m-garbage", body: { hello: "world" } },
        {
          id: "m-v2",
          body: {
            v: 2,
            kind: "job",
            job_id: "job_x",
            instance_id: "i",
            project_id: "p",
            request_id: "r",
            attempt: 0,
          },
        },
        { id: "m-text", body: "not json at all" },
      ],
      t.env,
    );
    expect(result.explicitAcks.sort()).toEqual(["m-garbage", "m-text", "m-v2"]);
    expect(result.retryMessages).toEqual([]);
    expect(await tableCounts()).toEqual(before);
    expect(t.JOBS.send).not.toHaveBeenCalled();
    expect(t.JOBS_DLQ.send).not.toHaveBeenCalled();
  });

  it("acks a message for a job that does not exist", async () => {
    const t = spyEnv();
    const job = await seedJobWith({});
    const before = await tableCounts();
    const body = { ...messageFor(job), job_id: "job_doesnotexist000000" };
    const result = await deliver(JOBS_QUEUE, [{ id: "m-unknown", body }], t.env);
    expect(result.explicitAcks).toEqual(["m-unknown"]);
    expect(await tableCounts()).toEqual(before);
    expect(t.JOBS.send).not.toHaveBeenCalled();
  });

  it("acks a message for a job that already succeeded and changes nothing", async () => {
    const t = spyEnv();
    const job = await seedJobWith({}, { status: "succeeded" });
    const result = await deliver(JOBS_QUEUE, [{ id: "m-done", body: messageFor(job) }], t.env);
    expect(result.explicitAcks).toEqual(["m-done"]);
    expect(await jobRow(job.id)).toEqual(job);
    expect(await typesOf(job.id)).toEqual(["succeeded"]);
    expect(await imagesOf(job.id)).toEqual([]);
    expect(await objectsUnder(prefixOf(job))).toEqual([]);
    expect(t.JOBS.send).not.toHaveBeenCalled();
  });

  it("leaves a batch from an unknown queue for redelivery", async () => {
    const job = await seedJobWith({});
    const result = await deliver(
      "some-other-queue",
      [{ id: "m-other", body: messageFor(job) }],
      spyEnv().env,
    );
    expect(result.retryBatch.retry).toBe(true);
    expect(result.explicitAcks).toEqual([]);
    expect(await jobRow(job.id)).toEqual(job);
    expect(await typesOf(job.id)).toEqual(["queued"]);
  });
});

describe("jobs consumer: duplicate deliveries", () => {
  it("runs a job once when the same message comes twice in one batch", async () => {
    const job = await seedJobWith({ seed: 1 });
    const t = spyEnv();
    const body = messageFor(job);
    const result = await deliver(
      JOBS_QUEUE,
      [
        { id: "m-dup-1", body },
        { id: "m-dup-2", body },
      ],
      t.env,
    );
    expect(result.explicitAcks.sort()).toEqual(["m-dup-1", "m-dup-2"]);
    expect(await typesOf(job.id)).toEqual(["queued", "running", "succeeded"]);
    expect(await jobRow(job.id)).toMatchObject({ status: "succeeded", attempts: 1, version: 3 });
    expect(await imagesOf(job.id)).toHaveLength(1);
    expect(await objectsUnder(prefixOf(job))).toEqual([`${prefixOf(job)}0.png`]);
    // The loser either saw the job finished (ack) or held by the winner (looks again after the lease).
    for (const [sent, options] of t.JOBS.send.mock.calls) {
      expect(sent).toEqual(body);
      expect(options?.delaySeconds).toBeGreaterThan(0);
    }
    expect(t.JOBS_DLQ.send).not.toHaveBeenCalled();
  });

  it("runs a job once when the same message comes in two consecutive batches", async () => {
    const job = await seedJobWith({ seed: 2 });
    const t = spyEnv();
    const body = messageFor(job);
    expect((await deliver(JOBS_QUEUE, [{ id: "m-again", body }], t.env)).explicitAcks).toEqual(["m-again"]);
    const first = await jobRow(job.id);
    const etag = (await env.IMAGES.head(`${prefixOf(job)}0.png`))!.etag;

    expect((await deliver(JOBS_QUEUE, [{ id: "m-again", body }], t.env)).explicitAcks).toEqual(["m-again"]);
    expect(await jobRow(job.id)).toEqual(first);
    expect(await typesOf(job.id)).toEqual(["queued", "running", "succeeded"]);
    expect(await imagesOf(job.id)).toHaveLength(1);
    expect((await env.IMAGES.head(`${prefixOf(job)}0.png`))!.etag).toBe(etag);
    expect(t.JOBS.send).not.toHaveBeenCalled();
  });
});

describe("jobs consumer: provider failures", () => {
  it("fails a job on a permanent provider error and acks the message", async () => {
    const job = await seedJobWith({ prompt: "nope [demo:fail=provider_safety_rejected]" });
    const t = spyEnv();
    const result = await deliver(JOBS_QUEUE, [{ id: "m-perm", body: messageFor(job) }], t.env);
    expect(result.explicitAcks).toEqual(["m-perm"]);
    const after = await jobRow(job.id);
    expect(after).toMatchObject({ status: "failed", errorCode: "provider_safety_rejected", attempts: 1 });
    expect(after.errorMessage).toContain("provider_safety_rejected");
    expect(after.completedAt).not.toBeNull();
    const events = await eventsOf(job.id);
    expect(events.map((e) => e.type)).toEqual(["queued", "running", "failed"]);
    expect(events[2]!.data).toMatchObject({ error: { code: "provider_safety_rejected" } });
    expect(await imagesOf(job.id)).toEqual([]);
    expect(await objectsUnder(prefixOf(job))).toEqual([]);
    expect(t.JOBS.send).not.toHaveBeenCalled();
    expect(t.JOBS_DLQ.send).not.toHaveBeenCalled();
  });

  it("puts a job back to queued on a retryable error and sends a new delayed message with attempt 1", async () => {
    const job = await seedJobWith({ prompt: "busy [demo:fail=provider_rate_limited]" });
    const t = spyEnv();
    const body = messageFor(job);
    const result = await deliver(JOBS_QUEUE, [{ id: "m-retry", body }], t.env);

    expect(result.explicitAcks).toEqual(["m-retry"]);
    expect(result.retryMessages).toEqual([]);
    const after = await jobRow(job.id);
    expect(after).toMatchObject({
      status: "queued",
      errorCode: "provider_rate_limited",
      leaseToken: null,
      leaseExpiresAt: null,
      attempts: 1,
    });
    const events = await eventsOf(job.id);
    expect(events.map((e) => e.type)).toEqual(["queued", "running", "retry_scheduled"]);

    expect(t.JOBS.send).toHaveBeenCalledTimes(1);
    const [sent, options] = t.JOBS.send.mock.calls[0]!;
    expect(sent).toEqual({ ...body, attempt: 1 });
    // Attempt 1 with base 2 s and equal jitter: 1..2 s.
    expect(options).toMatchObject({ contentType: "json" });
    expect(options!.delaySeconds).toBeGreaterThanOrEqual(1);
    expect(options!.delaySeconds).toBeLessThanOrEqual(2);
    expect(events[2]!.data).toMatchObject({
      attempt: 1,
      delay_seconds: options!.delaySeconds,
      error: { code: "provider_rate_limited" },
    });
    expect(t.JOBS_DLQ.send).not.toHaveBeenCalled();
  });

  it("hands the job to the dead-letter queue when the last attempt fails, and the DLQ consumer records it", async () => {
    const last = MAX_ATTEMPTS - 1;
    const job = await seedJobWith(
      { prompt: "still busy [demo:fail=provider_rate_limited]" },
      { overrides: { attempts: last, errorCode: "provider_rate_limited", errorMessage: "earlier failure" } },
    );
    const t = spyEnv();
    const body = messageFor(job, last);
    const result = await deliver(JOBS_QUEUE, [{ id: "m-last", body }], t.env);

    expect(result.explicitAcks).toEqual(["m-last"]);
    expect(t.JOBS.send).not.toHaveBeenCalled();
    expect(t.JOBS_DLQ.send).toHaveBeenCalledTimes(1);
    const [dead] = t.JOBS_DLQ.send.mock.calls[0]!;
    expect(dead).toEqual({
      ...body,
      attempt: MAX_ATTEMPTS,
      last_error: { code: "provider_rate_limited", message: expect.any(String) },
    });

    // What the DLQ would deliver to the same Worker.
    const dlq = await deliver(DLQ, [{ id: "d-last", body: dead }], t.env);
    expect(dlq.explicitAcks).toEqual(["d-last"]);
    const after = await jobRow(job.id);
    expect(after).toMatchObject({
      status: "dead_lettered",
      errorCode: "provider_rate_limited",
      leaseToken: null,
      attempts: MAX_ATTEMPTS,
    });
    expect(after.completedAt).not.toBeNull();
    const types = await typesOf(job.id);
    expect(types).toEqual(["queued", "running", "dead_lettered"]);
    const rows = await db.select().from(deadLetters).where(eq(deadLetters.jobId, job.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ errorCode: "provider_rate_limited", attempts: MAX_ATTEMPTS });

    // A redelivered dead letter records nothing twice.
    expect((await deliver(DLQ, [{ id: "d-last", body: dead }], t.env)).explicitAcks).toEqual(["d-last"]);
    expect(await typesOf(job.id)).toEqual(types);
    expect(await db.select().from(deadLetters).where(eq(deadLetters.jobId, job.id))).toHaveLength(1);
  });
});

describe("jobs consumer: the dead-letter queue", () => {
  it("marks a job whose message exhausted Queues' own retries dead_lettered with an event", async () => {
    const job = await seedJobWith({});
    const t = spyEnv();
    const result = await deliver(DLQ, [{ id: "d-1", body: messageFor(job) }], t.env);
    expect(result.explicitAcks).toEqual(["d-1"]);
    const after = await jobRow(job.id);
    expect(after).toMatchObject({ status: "dead_lettered", errorCode: "delivery_retries_exhausted" });
    const events = await eventsOf(job.id);
    expect(events.map((e) => [e.version, e.type])).toEqual([
      [1, "queued"],
      [2, "dead_lettered"],
    ]);
    expect(events[1]!.data).toMatchObject({ error: { code: "delivery_retries_exhausted" } });
  });

  it("acks a dead letter for a job that already ended and changes nothing", async () => {
    const job = await seedJobWith({}, { status: "succeeded" });
    const result = await deliver(DLQ, [{ id: "d-2", body: messageFor(job) }], spyEnv().env);
    expect(result.explicitAcks).toEqual(["d-2"]);
    expect(await jobRow(job.id)).toEqual(job);
    expect(await typesOf(job.id)).toEqual(["succeeded"]);
  });
});

describe("jobs consumer: leases", () => {
  it("does not run a job whose lease another delivery holds, and looks again after the lease", async () => {
    const expires = Date.now() + 60_000;
    const job = await seedJobWith(
      {},
      { status: "running", overrides: { leaseToken: "other-delivery", leaseExpiresAt: expires } },
    );
    const t = spyEnv();
    const body = messageFor(job);
    const result = await deliver(JOBS_QUEUE, [{ id: "m-held", body }], t.env);

    expect(result.explicitAcks).toEqual(["m-held"]);
    // Nothing changes but the time the look-again message is due (one per job, whatever the copies).
    const after = await jobRow(job.id);
    expect(after).toEqual({ ...job, resendDueAt: expect.any(Number) });
    expect(await typesOf(job.id)).toEqual(["running"]);
    expect(await objectsUnder(prefixOf(job))).toEqual([]);
    expect(t.JOBS.send).toHaveBeenCalledTimes(1);
    // No pacing slot was taken: it would have gone unused, its token spent for nothing.
    expect(job.provider).toBe("demo");
    const pacing = env.TOKEN_BUCKET.getByName(bucketName(job.instanceId, "demo"));
    expect((await bucketState(pacing)).limits).toBeNull();
    const [sent, options] = t.JOBS.send.mock.calls[0]!;
    expect(sent).toEqual(body);
    // Not an attempt: the same message, back once the lease would have expired (+1 s).
    expect(options!.delaySeconds).toBeGreaterThanOrEqual(60);
    expect(options!.delaySeconds).toBeLessThanOrEqual(62);
    expect(Math.abs(after.resendDueAt! - (Date.now() + options!.delaySeconds! * 1000))).toBeLessThan(2000);
  });

  it("takes over a running job whose lease expired and finishes it", async () => {
    const job = await seedJobWith(
      { seed: 3 },
      { status: "running", overrides: { leaseToken: "dead-delivery", leaseExpiresAt: Date.now() - 1_000 } },
    );
    const t = spyEnv();
    const result = await deliver(JOBS_QUEUE, [{ id: "m-takeover", body: messageFor(job) }], t.env);
    expect(result.explicitAcks).toEqual(["m-takeover"]);
    expect(await jobRow(job.id)).toMatchObject({
      status: "succeeded",
      attempts: 2,
      leaseToken: null,
      version: 3,
    });
    expect(await typesOf(job.id)).toEqual(["running", "running", "succeeded"]);
    expect(await imagesOf(job.id)).toHaveLength(1);
    expect(t.JOBS.send).not.toHaveBeenCalled();
  });

  it("gives an unexpected failure back to Queues, and the redelivery runs the job at once", async () => {
    const job = await seedJobWith({ seed: 4 });
    const t = spyEnv();
    const brokenR2 = {
      put: vi.fn(async () => {
        throw new Error("R2 unavailable");
      }),
      delete: vi.fn(async () => {}),
    };
    const body = messageFor(job);
    const failed = await deliver(JOBS_QUEUE, [{ id: "m-infra", body }], {
      ...t.env,
      IMAGES: brokenR2,
    } as unknown as ConsumerEnv);
    expect(failed.explicitAcks).toEqual([]);
    // (getQueueResult reports which messages were retried, not their delay.)
    expect(failed.retryMessages).toEqual([expect.objectContaining({ msgId: "m-infra" })]);
    expect(brokenR2.put).toHaveBeenCalled();

    // Queues redelivers the same message: the crashed delivery must not hold the job for a whole lease.
    const again = await deliver(JOBS_QUEUE, [{ id: "m-infra", body }], t.env);
    expect(again.explicitAcks).toEqual(["m-infra"]);
    expect(t.JOBS.send).not.toHaveBeenCalled();
    expect((await jobRow(job.id)).status).toBe("succeeded");
    expect(await typesOf(job.id)).toEqual(["queued", "running", "running", "succeeded"]);
    expect(await objectsUnder(prefixOf(job))).toEqual([`${prefixOf(job)}0.png`]);
  });

  it("keeps the images of the delivery that won when a slower one lost its lease", async () => {
    // The slow delivery claims the job, then (while its provider call runs) its lease is taken
    // over and the job finished by another delivery, which wrote the same R2 keys.
    const job = await seedJobWith({ prompt: "slow [demo:delay=1500]", seed: 9 });
    const t = spyEnv();
    const slow = deliver(JOBS_QUEUE, [{ id: "m-slow", body: messageFor(job) }], t.env);
    const claimed = await waitFor(
      () => jobRow(job.id),
      (row) => row.status === "running",
    );
    expect(claimed.status).toBe("running");

    const key = `${prefixOf(job)}0.png`;
    const winnerBytes = new Uint8Array([...PNG_SIGNATURE, 1, 2, 3]);
    await env.IMAGES.put(key, winnerBytes, { httpMetadata: { contentType: "image/png" } });
    await db.batch([
      db
        .update(jobs)
        .set({
          status: "succeeded",
          leaseToken: null,
          leaseExpiresAt: null,
          version: sql`${jobs.version} + 1`,
          images: [
            {
              index: 0,
              r2Key: key,
              contentType: "image/png",
              width: 512,
              height: 512,
              bytes: winnerBytes.byteLength,
              seed: 9,
            },
          ],
        })
        .where(eq(jobs.id, job.id)),
    ]);

    const result = await slow;
    expect(result.explicitAcks).toEqual(["m-slow"]);
    expect((await jobRow(job.id)).status).toBe("succeeded");
    expect(await env.IMAGES.head(key)).not.toBeNull();
  });

  it("discards its images when the job is canceled while the provider runs", async () => {
    const job = await seedJobWith({ prompt: "slow [demo:delay=1500]" });
    const t = spyEnv();
    const slow = deliver(JOBS_QUEUE, [{ id: "m-cancel", body: messageFor(job) }], t.env);
    await waitFor(
      () => jobRow(job.id),
      (row) => row.status === "running",
    );
    await db.update(jobs).set({ cancelRequestedAt: Date.now() }).where(eq(jobs.id, job.id));

    expect((await slow).explicitAcks).toEqual(["m-cancel"]);
    expect((await jobRow(job.id)).status).toBe("canceled");
    expect(await typesOf(job.id)).toEqual(["queued", "running", "canceled"]);
    expect(await imagesOf(job.id)).toEqual([]);
    expect(await objectsUnder(prefixOf(job))).toEqual([]);
  });
});
