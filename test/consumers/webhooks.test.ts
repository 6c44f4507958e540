// Webhook emission and delivery in the consumer. The receiver is a scripted `fetch` that verifies
// every request with the `standardwebhooks` library (as a customer's receiver would) and answers
// per its script; queues are spies, so each test drives the retry schedule one message at a time.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { deliverWebhook, type DeliveryResult } from "../../consumers/src/deliver-webhook";
import { handleDeadLetter } from "../../consumers/src/dead-letters";
import { handleJobMessage } from "../../consumers/src/handle-job-message";
import consumerWorker from "../../consumers/src/index";
import { runHousekeeping } from "../../consumers/src/housekeeping";
import { createDb } from "../../shared/db/client";
import { generateMasterKey, importMasterKey } from "../../shared/providers/keys/crypto";
import { getJob } from "../../shared/db/queries/jobs";
import { goneWebhookUrls, projects, webhookEvents } from "../../shared/db/schema";
import type { JobStatus } from "../../shared/jobs/enums";
import { jobMessage } from "../../shared/jobs/message";
import { serializeJob } from "../../shared/jobs/serialize";
import { emitWebhookForJob } from "../../shared/webhooks/emit";
import { type WebhookDeliveryMessage, webhookDeliveryMessage } from "../../shared/webhooks/message";
import { type WebhookEventType, webhookEventTypes } from "../../shared/webhooks/payload";
import {
  openWebhookSecret,
  sealWebhookSecret,
  WebhookSecretUnavailable,
} from "../../shared/webhooks/sealed-secret";
import { generateWebhookSecret } from "../../shared/webhooks/secret";
import { type SeededTenant, type SeedJobOptions, seedJob, seedJobImage, seedTenant } from "../support/tenant";
import { messageFor } from "./helpers";

const db = createDb(env.DB);
const worker = consumerWorker as ExportedHandler<ConsumerEnv> & {
  queue: NonNullable<ExportedHandler<ConsumerEnv>["queue"]>;
};
const HOOK_URL = "https://hooks.example.com/genqueue";
/** The consumer's master key of stored secrets in these tests (a test may run without it). */
const MASTER = generateMasterKey();
const masterKey = await importMasterKey(MASTER);

// ---- spies and the scripted receiver ----

interface Sent {
  body: WebhookDeliveryMessage;
  delaySeconds: number | undefined;
}

function queueSpy() {
  const sent: Sent[] = [];
  const queue = {
    async send(body: WebhookDeliveryMessage, options?: QueueSendOptions) {
      sent.push({ body: structuredClone(body), delaySeconds: options?.delaySeconds });
    },
    async sendBatch() {
      throw new Error("sendBatch is not used by webhooks");
    },
  } as unknown as Queue<WebhookDeliveryMessage>;
  return { queue, sent };
}

type Answer = number | { status: number; headers?: Record<string, string> } | "hang" | "network";

interface ReceivedCall {
  url: string;
  headers: Record<string, string>;
  body: string;
  redirect: RequestInit["redirect"];
  /** The payload as `Webhook.verify` returned it, per secret; undefined if a secret failed. */
  verified: unknown[];
  verifyErrors: string[];
}

/** A receiver holding `secrets`: every request must verify with each of them (standardwebhooks). */
function receiver(secrets: string[], script: Answer[] = []) {
  const calls: ReceivedCall[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = Object.fromEntries(new Headers(init?.headers));
    const body = String(init?.body);
    const verified: unknown[] = [];
    const verifyErrors: string[] = [];
    for (const secret of secrets) {
      try {
        verified.push(new Webhook(secret).verify(body, headers));
      } catch (error) {
        verifyErrors.push(String(error));
      }
    }
    calls.push({ url: String(input), headers, body, redirect: init?.redirect, verified, verifyErrors });
    if (verifyErrors.length > 0) return new Response(null, { status: 401 });
    const answer = script.shift() ?? 200;
    if (answer === "network") throw new TypeError("Network connection lost.");
    if (answer === "hang") {
      // Never answers: only the delivery's own timeout ends the request.
      return new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    }
    const { status, headers: answerHeaders } = typeof answer === "number" ? { status: answer } : answer;
    return new Response(status === 200 ? "ok" : null, { status, headers: answerHeaders });
  }) as typeof fetch;
  return { fetch: fetchImpl, calls };
}

function deliverer(fetchImpl: typeof fetch, vars: Record<string, string> = {}) {
  const webhooks = queueSpy();
  const dlq = queueSpy();
  const deliver = (message: WebhookDeliveryMessage): Promise<DeliveryResult> =>
    deliverWebhook(
      {
        db,
        env: {
          ...env,
          PROVIDER_KEYS_MASTER_KEY: MASTER,
          ...vars,
          WEBHOOKS: webhooks.queue,
          WEBHOOKS_DLQ: dlq.queue,
        },
        fetch: fetchImpl,
        now: () => Date.now(),
      },
      message,
    );
  return { deliver, webhooks, dlq };
}

// ---- seeding ----

/** A tenant whose project has a secret, stored encrypted as the admin API stores it. */
async function tenantWithSecret(): Promise<{ t: SeededTenant; secret: string }> {
  const t = await seedTenant(env.DB);
  const secret = generateWebhookSecret();
  await db
    .update(projects)
    .set({ webhookSecret: await sealWebhookSecret(masterKey, t.projectId!, secret) })
    .where(eq(projects.id, t.projectId!));
  return { t, secret };
}

async function storedSecrets(projectId: string) {
  return db
    .select({ current: projects.webhookSecret, previous: projects.webhookSecretPrevious })
    .from(projects)
    .where(eq(projects.id, projectId))
    .get();
}

/** A job in `status` with a webhook target, and its webhook event emitted; returns the first message. */
async function jobWithEvent(
  t: SeededTenant,
  opts: { status?: JobStatus; url?: string; events?: WebhookEventType[] } = {},
) {
  const job = await seedJob(env.DB, t, {
    status: opts.status ?? "succeeded",
    overrides: { webhookUrl: opts.url ?? HOOK_URL, webhookEvents: opts.events ?? null },
  });
  const queue = queueSpy();
  const result = await emitWebhookForJob({ db, queue: queue.queue, now: () => Date.now() }, job.id);
  expect(result, JSON.stringify(result)).toMatchObject({ emitted: true, status: "pending" });
  expect(queue.sent).toHaveLength(1);
  const { body } = queue.sent[0]!;
  return { job, eventId: body.event_id, message: body };
}

async function eventRow(id: string) {
  return db.select().from(webhookEvents).where(eq(webhookEvents.id, id)).get();
}

async function attemptRows(eventId: string) {
  return (await eventRow(eventId))?.attemptLog ?? [];
}

/** The event's webhook-id from the headers and the verified payload of each received call. */
const ids = (calls: ReceivedCall[]) => calls.map((c) => c.headers["webhook-id"]);

describe("webhook payloads and signatures", () => {
  const statusFor: Record<WebhookEventType, JobStatus> = {
    "job.started": "running",
    "job.succeeded": "succeeded",
    "job.failed": "failed",
    "job.dead_lettered": "dead_lettered",
    "job.canceled": "canceled",
  };

  it.each(webhookEventTypes)("sends %s signed so the standardwebhooks library verifies it", async (type) => {
    const { t, secret } = await tenantWithSecret();
    const { job, eventId, message } = await jobWithEvent(t, {
      status: statusFor[type],
      events: [...webhookEventTypes],
    });
    const hook = receiver([secret]);
    const { deliver } = deliverer(hook.fetch);

    expect(await deliver(message)).toMatchObject({ kind: "delivered", attempt: 1, statusCode: 200 });

    expect(hook.calls).toHaveLength(1);
    const call = hook.calls[0]!;
    expect(call.verifyErrors).toEqual([]);
    expect(call.url).toBe(HOOK_URL);
    expect(call.headers["webhook-id"]).toBe(eventId);
    expect(call.headers["content-type"]).toBe("application/json");
    expect(Math.abs(Number(call.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
    expect(call.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const row = (await getJob(db, job.id))!;
    // `data` is the job exactly as GET /v1/jobs/{id} renders it.
    expect(call.verified[0]).toEqual({
      type,
      timestamp: expect.any(String),
      data: JSON.parse(JSON.stringify(serializeJob(row))),
    });
    expect((await eventRow(eventId))?.status).toBe("delivered");
  });

  it("puts the succeeded job's images in the payload like GET /v1/jobs/{id}", async () => {
    const { t, secret } = await tenantWithSecret();
    const job = await seedJob(env.DB, t, {
      status: "succeeded",
      overrides: { webhookUrl: HOOK_URL, model: "m" },
    });
    await seedJobImage(env, job.id, { index: 0, bytes: new Uint8Array([1, 2, 3]), contentType: "image/png" });
    const queue = queueSpy();
    await emitWebhookForJob({ db, queue: queue.queue, now: () => Date.now() }, job.id);
    const hook = receiver([secret]);
    await deliverer(hook.fetch).deliver(queue.sent[0]!.body);

    const payload = hook.calls[0]!.verified[0] as { data: { result: { images: unknown[] } } };
    expect(payload.data.result.images).toEqual([
      expect.objectContaining({ url: `/v1/jobs/${job.id}/images/0`, content_type: "image/png", bytes: 3 }),
    ]);
  });
});

describe("retries", () => {
  it("keeps retrying a receiver that is down, then delivers exactly once with the same webhook-id", async () => {
    const { t, secret } = await tenantWithSecret();
    const { eventId, message } = await jobWithEvent(t);
    const hook = receiver([secret], [500, 503, "hang", "network", 200]);
    const { deliver, webhooks } = deliverer(hook.fetch, { WEBHOOK_TIMEOUT_MS: "1000" });

    let next: WebhookDeliveryMessage = message;
    const results: DeliveryResult[] = [];
    for (let i = 0; i < 5; i++) {
      results.push(await deliver(next));
      if (i < 4) next = webhooks.sent.at(-1)!.body;
    }

    expect(results.map((r) => r.kind)).toEqual([
      "retry_scheduled",
      "retry_scheduled",
      "retry_scheduled",
      "retry_scheduled",
      "delivered",
    ]);
    expect(hook.calls).toHaveLength(5);
    expect(hook.calls.every((c) => c.verifyErrors.length === 0)).toBe(true);
    expect(new Set(ids(hook.calls))).toEqual(new Set([eventId]));
    // Same body every time; a fresh timestamp (and so signature) per attempt.
    expect(new Set(hook.calls.map((c) => c.body)).size).toBe(1);
    // The Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h.
    expect(webhooks.sent.map((s) => s.delaySeconds)).toEqual([5, 300, 1800, 7200]);
    expect(webhooks.sent.map((s) => s.body.attempt)).toEqual([2, 3, 4, 5]);
    expect(webhooks.sent.every((s) => s.body.event_id === eventId)).toBe(true);

    const attempts = await attemptRows(eventId);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(attempts.map((a) => a.statusCode)).toEqual([500, 503, null, null, 200]);
    expect(attempts[2]!.error).toMatch(/^timeout/);
    expect(attempts[3]!.error).toMatch(/^network error/);
    expect(attempts.every((a) => a.url === HOOK_URL)).toBe(true);
    const waits = attempts.map((a) =>
      a.nextAttemptAt === null ? null : Math.round((a.nextAttemptAt - a.createdAt) / 1000),
    );
    // next_attempt_at = end of the attempt + the step (the hung attempt took its 1 s timeout).
    expect(waits[0]).toBeGreaterThanOrEqual(5);
    expect(waits[1]).toBeGreaterThanOrEqual(300);
    expect(waits[2]).toBeGreaterThanOrEqual(1800);
    expect(waits[3]).toBeGreaterThanOrEqual(7200);
    expect(waits[4]).toBeNull();
    const event = await eventRow(eventId);
    expect(event).toMatchObject({ status: "delivered", attempts: 5 });
    expect(event?.deliveredAt).toEqual(expect.any(Number));

    // A stray duplicate of the last message changes nothing: the event is already delivered.
    expect(await deliver(next)).toMatchObject({ kind: "skipped" });
    expect(hook.calls).toHaveLength(5);
  });

  it("treats a redirect as a failure and never follows it", async () => {
    const { t, secret } = await tenantWithSecret();
    const { eventId, message } = await jobWithEvent(t);
    const hook = receiver(
      [secret],
      [{ status: 302, headers: { location: "http://169.254.169.254/latest" } }],
    );
    const { deliver, webhooks } = deliverer(hook.fetch);

    expect(await deliver(message)).toMatchObject({ kind: "retry_scheduled", attempt: 1 });

    expect(hook.calls).toHaveLength(1);
    expect(hook.calls[0]!.redirect).toBe("manual");
    expect(hook.calls[0]!.url).toBe(HOOK_URL);
    expect((await attemptRows(eventId))[0]).toMatchObject({
      statusCode: 302,
      error: expect.stringMatching(/^HTTP 302/),
    });
    expect(webhooks.sent).toHaveLength(1);
    expect((await eventRow(eventId))?.status).toBe("pending");
  });

  it("honours Retry-After on 429, 502 and 504 but not on other statuses", async () => {
    const { t, secret } = await tenantWithSecret();
    const cases: [Answer, number][] = [
      [{ status: 429, headers: { "retry-after": "120" } }, 120],
      [{ status: 502, headers: { "retry-after": "600" } }, 600],
      [{ status: 504, headers: { "retry-after": "1" } }, 5], // never shorter than the schedule
      [{ status: 503, headers: { "retry-after": "120" } }, 5],
    ];
    for (const [answer, expected] of cases) {
      const { message, eventId } = await jobWithEvent(t);
      const { deliver, webhooks } = deliverer(receiver([secret], [answer]).fetch);
      expect(await deliver(message)).toMatchObject({ kind: "retry_scheduled", delaySeconds: expected });
      expect(webhooks.sent[0]!.delaySeconds).toBe(expected);
      const [attempt] = await attemptRows(eventId);
      expect(Math.round((attempt!.nextAttemptAt! - attempt!.createdAt) / 1000)).toBeGreaterThanOrEqual(
        expected,
      );
    }
  });

  it("splits a wait longer than the 12 h queue maximum into hops and only then attempts", async () => {
    const { t, secret } = await tenantWithSecret();
    const { eventId } = await jobWithEvent(t);
    const hook = receiver([secret], [500, 200]);
    const { deliver, webhooks } = deliverer(hook.fetch);

    // The 8th attempt fails: the next step is 20 h.
    expect(await deliver(webhookDeliveryMessage(eventId, 8))).toMatchObject({
      kind: "retry_scheduled",
      delaySeconds: 72_000,
    });
    expect(webhooks.sent[0]).toEqual({
      body: { v: 1, kind: "webhook", event_id: eventId, attempt: 9, remaining_seconds: 28_800 },
      delaySeconds: 43_200,
    });
    // 12 h later: a waypoint, no request.
    expect(await deliver(webhooks.sent[0]!.body)).toEqual({
      kind: "hop",
      delaySeconds: 28_800,
      remainingSeconds: 0,
    });
    expect(hook.calls).toHaveLength(1);
    expect(webhooks.sent[1]).toEqual({
      body: { v: 1, kind: "webhook", event_id: eventId, attempt: 9, remaining_seconds: 0 },
      delaySeconds: 28_800,
    });
    // 8 h after that: the 9th attempt.
    expect(await deliver(webhooks.sent[1]!.body)).toMatchObject({ kind: "delivered" });
    expect(hook.calls).toHaveLength(2);
    expect((await attemptRows(eventId)).map((a) => a.attempt)).toEqual([1, 2]);
  });

  it("hands an exhausted event to the webhook DLQ, whose consumer marks it failed", async () => {
    const { t, secret } = await tenantWithSecret();
    const { eventId } = await jobWithEvent(t);
    const hook = receiver([secret], [500]);
    const { deliver, webhooks, dlq } = deliverer(hook.fetch);

    const last = webhookDeliveryMessage(eventId, 10);
    expect(await deliver(last)).toMatchObject({ kind: "exhausted" });
    expect(webhooks.sent).toHaveLength(0);
    expect(dlq.sent).toEqual([{ body: last, delaySeconds: undefined }]);
    expect((await attemptRows(eventId))[0]).toMatchObject({ statusCode: 500, nextAttemptAt: null });
    expect((await eventRow(eventId))?.status).toBe("pending");

    // The DLQ consumer, through the Worker's queue handler.
    const batch = createMessageBatch("genqueue-webhooks-dlq", [
      { id: "dl-1", timestamp: new Date(), attempts: 1, body: dlq.sent[0]!.body },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env as unknown as ConsumerEnv, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["dl-1"]);
    expect(result.retryMessages).toEqual([]);
    expect((await eventRow(eventId))?.status).toBe("failed");
  });
});

describe("the message's copy of the delivery", () => {
  it("a first attempt posts the copy its message carries, without reading the event; a retry reads the row", async () => {
    const { t, secret } = await tenantWithSecret();
    const { eventId, message } = await jobWithEvent(t);
    expect(message.delivery).toMatchObject({ url: HOOK_URL, instance_id: t.instanceId });
    // Were the row read, this body would be sent: the copy wins on the first attempt.
    await db.update(webhookEvents).set({ body: '{"from":"row"}' }).where(eq(webhookEvents.id, eventId));
    const hook = receiver([secret], [500, 200]);
    const { deliver, webhooks } = deliverer(hook.fetch);

    expect(await deliver(message)).toMatchObject({ kind: "retry_scheduled", attempt: 1 });
    expect(hook.calls[0]!.body).toBe(message.delivery!.body);
    const retry = webhooks.sent[0]!.body;
    expect(retry.delivery).toBeUndefined();
    expect(await deliver({ ...retry, remaining_seconds: 0 })).toMatchObject({
      kind: "delivered",
      attempt: 2,
    });
    expect(hook.calls[1]!.body).toBe('{"from":"row"}');
    expect((await attemptRows(eventId)).map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(await eventRow(eventId)).toMatchObject({ status: "delivered", attempts: 2 });
  });
});

describe("the runtime's own fetch", () => {
  it("is called as a plain function (workerd refuses it as a method of another object)", async () => {
    const { t } = await tenantWithSecret();
    // Nothing listens on port 1: a connection error, but never "Illegal invocation".
    const { eventId, message } = await jobWithEvent(t, { url: "http://127.0.0.1:1/hook" });
    const { deliver } = deliverer(fetch);

    expect(await deliver(message)).toMatchObject({ kind: "retry_scheduled" });
    const [attempt] = await attemptRows(eventId);
    expect(attempt?.error).toMatch(/^network error/);
    expect(attempt?.error).not.toMatch(/Illegal invocation/);
  });
});

describe("410 Gone", () => {
  it("stops deliveries to the URL: pending events and later events are recorded gone without a request", async () => {
    const { t, secret } = await tenantWithSecret();
    const url = "https://gone.example.com/hook";
    const first = await jobWithEvent(t, { url });
    const second = await jobWithEvent(t, { url });
    const hook = receiver([secret], [410]);
    const { deliver, webhooks } = deliverer(hook.fetch);

    expect(await deliver(first.message)).toEqual({ kind: "gone" });
    expect(webhooks.sent).toHaveLength(0);
    expect((await eventRow(first.eventId))?.status).toBe("gone");
    expect((await attemptRows(first.eventId))[0]).toMatchObject({ statusCode: 410 });
    const gone = await db.select().from(goneWebhookUrls).where(eq(goneWebhookUrls.instanceId, t.instanceId));
    expect(gone.map((g) => g.url)).toEqual([url]);

    // An event queued before the 410: not sent.
    expect(await deliver(second.message)).toEqual({ kind: "gone" });
    expect((await eventRow(second.eventId))?.status).toBe("gone");
    expect(await attemptRows(second.eventId)).toEqual([]);

    // A later event to the same URL: recorded gone, never queued.
    const job = await seedJob(env.DB, t, { status: "failed", overrides: { webhookUrl: url } });
    const queue = queueSpy();
    expect(await emitWebhookForJob({ db, queue: queue.queue, now: () => Date.now() }, job.id)).toMatchObject({
      emitted: true,
      status: "gone",
    });
    expect(queue.sent).toHaveLength(0);
    expect(hook.calls).toHaveLength(1);

    // Another instance's deliveries to the same URL are not affected.
    const other = await tenantWithSecret();
    const theirs = await jobWithEvent(other.t, { url });
    const theirHook = receiver([other.secret]);
    expect(await deliverer(theirHook.fetch).deliver(theirs.message)).toMatchObject({ kind: "delivered" });
  });
});

describe("signing secrets: encrypted at rest, rotation", () => {
  /** Stores `current` and the `previous` secret rotated out `ago` ms ago, both encrypted. */
  async function rotatedAgo(t: SeededTenant, current: string, previous: string, ago: number) {
    const seal = (secret: string) => sealWebhookSecret(masterKey, t.projectId!, secret);
    await db
      .update(projects)
      .set({
        webhookSecret: await seal(current),
        webhookSecretPrevious: await seal(previous),
        webhookSecretRotatedAt: Date.now() - ago,
      })
      .where(eq(projects.id, t.projectId!));
  }

  it("signs with both secrets for 24 h after a rotation, each verifying on its own", async () => {
    const { t, secret: oldSecret } = await tenantWithSecret();
    const newSecret = generateWebhookSecret();
    await rotatedAgo(t, newSecret, oldSecret, 3600_000);
    const { message } = await jobWithEvent(t);
    const hook = receiver([oldSecret, newSecret]);

    expect(await deliverer(hook.fetch).deliver(message)).toMatchObject({ kind: "delivered" });

    const call = hook.calls[0]!;
    expect(call.verifyErrors).toEqual([]);
    expect(call.verified).toHaveLength(2);
    expect(call.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
  });

  it("drops the previous secret once the 24 h are over", async () => {
    const { t, secret: oldSecret } = await tenantWithSecret();
    const newSecret = generateWebhookSecret();
    await rotatedAgo(t, newSecret, oldSecret, 25 * 3600_000);
    const { message } = await jobWithEvent(t);
    const hook = receiver([newSecret]);

    await deliverer(hook.fetch).deliver(message);

    expect(hook.calls[0]!.verifyErrors).toEqual([]);
    expect(hook.calls[0]!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(() => new Webhook(oldSecret).verify(hook.calls[0]!.body, hook.calls[0]!.headers)).toThrow();
  });

  it("still signs with a plaintext secret from before encryption, and encrypts it on the way", async () => {
    const t = await seedTenant(env.DB);
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    await db
      .update(projects)
      .set({ webhookSecret: current, webhookSecretPrevious: previous, webhookSecretRotatedAt: Date.now() })
      .where(eq(projects.id, t.projectId!));
    const { message } = await jobWithEvent(t);
    const hook = receiver([current, previous]);

    expect(await deliverer(hook.fetch).deliver(message)).toMatchObject({ kind: "delivered" });

    expect(hook.calls[0]!.verifyErrors).toEqual([]);
    const stored = await storedSecrets(t.projectId!);
    expect(stored?.current).toMatch(/^enc:v1:/);
    expect(stored?.previous).toMatch(/^enc:v1:/);
    expect(await openWebhookSecret(masterKey, t.projectId!, stored!.current!)).toBe(current);
    expect(await openWebhookSecret(masterKey, t.projectId!, stored!.previous!)).toBe(previous);
  });

  it("gives a project without a secret one, stored encrypted, on its first delivery", async () => {
    const t = await seedTenant(env.DB);
    const { message } = await jobWithEvent(t);
    const calls: { headers: Record<string, string>; body: string }[] = [];
    const fetchImpl = (async (_: RequestInfo | URL, init?: RequestInit) => {
      calls.push({ headers: Object.fromEntries(new Headers(init?.headers)), body: String(init?.body) });
      return new Response("ok");
    }) as typeof fetch;

    expect(await deliverer(fetchImpl).deliver(message)).toMatchObject({ kind: "delivered" });
    const stored = (await storedSecrets(t.projectId!))?.current;
    expect(stored).toMatch(/^enc:v1:/);
    const secret = await openWebhookSecret(masterKey, t.projectId!, stored!);
    expect(() => new Webhook(secret).verify(calls[0]!.body, calls[0]!.headers)).not.toThrow();
  });

  it("sends nothing when the secret cannot be decrypted: no master key, or another project's ciphertext", async () => {
    const { t } = await tenantWithSecret();
    const noKey = await jobWithEvent(t);
    const hook = receiver([]);
    await expect(
      deliverer(hook.fetch, { PROVIDER_KEYS_MASTER_KEY: "" }).deliver(noKey.message),
    ).rejects.toThrow(WebhookSecretUnavailable);

    // The ciphertext is bound to its project: copied into another project's row, it does not decrypt.
    const other = await seedTenant(env.DB);
    const copied = (await storedSecrets(t.projectId!))!.current;
    await db.update(projects).set({ webhookSecret: copied }).where(eq(projects.id, other.projectId!));
    const { message } = await jobWithEvent(other);
    await expect(deliverer(hook.fetch).deliver(message)).rejects.toThrow(/does not decrypt/);
    expect(hook.calls).toHaveLength(0);
  });

  it("housekeeping encrypts every plaintext secret left, current and previous", async () => {
    const plain = await Promise.all([1, 2, 3].map(() => seedTenant(env.DB)));
    for (const t of plain) {
      await db
        .update(projects)
        .set({ webhookSecret: generateWebhookSecret(), webhookSecretPrevious: generateWebhookSecret() })
        .where(eq(projects.id, t.projectId!));
    }
    const report = await runHousekeeping(
      { ...env, PROVIDER_KEYS_MASTER_KEY: MASTER } as ConsumerEnv,
      Date.now(),
    );

    expect(report.webhook_secrets_encrypted).toBeGreaterThanOrEqual(3);
    const left = await env.DB.prepare(
      "SELECT count(*) AS n FROM projects WHERE substr(webhook_secret, 1, 7) <> 'enc:v1:' OR substr(webhook_secret_previous, 1, 7) <> 'enc:v1:'",
    ).first<{ n: number }>();
    expect(left?.n).toBe(0);
    for (const t of plain) expect((await storedSecrets(t.projectId!))?.previous).toMatch(/^enc:v1:/);
  });
});

describe("SSRF at delivery time", () => {
  it.each([
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.7/hook",
    "https://[::ffff:7f00:1]/hook",
    "https://metadata.google.internal/computeMetadata/v1/",
    "http://hooks.example.com/plain-http",
    "https://user:pass@hooks.example.com/hook",
  ])("refuses %s without sending anything and fails the event", async (url) => {
    const { t, secret } = await tenantWithSecret();
    // Written straight to the row: the API would have refused it at enqueue already.
    const { eventId, message } = await jobWithEvent(t, { url });
    const hook = receiver([secret]);
    const { deliver, webhooks } = deliverer(hook.fetch);

    expect(await deliver(message)).toMatchObject({ kind: "refused" });

    expect(hook.calls).toHaveLength(0);
    expect(webhooks.sent).toHaveLength(0);
    expect((await eventRow(eventId))?.status).toBe("failed");
    expect((await attemptRows(eventId))[0]).toMatchObject({
      statusCode: null,
      error: expect.stringMatching(/^refused: webhook_url_/),
    });
  });

  it("allows http://127.0.0.1 only outside production", async () => {
    const { t, secret } = await tenantWithSecret();
    const url = "http://127.0.0.1:9/hook";
    const local = await jobWithEvent(t, { url });
    const hook = receiver([secret]);
    expect(await deliverer(hook.fetch, { ENVIRONMENT: "test" }).deliver(local.message)).toMatchObject({
      kind: "delivered",
    });
    const prod = await jobWithEvent(t, { url });
    expect(await deliverer(hook.fetch, { ENVIRONMENT: "production" }).deliver(prod.message)).toMatchObject({
      kind: "refused",
      reason: "webhook_url_not_https",
    });
    expect(hook.calls).toHaveLength(1);
  });
});

describe("emitting events", () => {
  const emit = (jobId: string, queue = queueSpy()) =>
    emitWebhookForJob({ db, queue: queue.queue, now: () => Date.now() }, jobId);

  it("emits once per job state, however often it is called", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "succeeded", overrides: { webhookUrl: HOOK_URL } });
    const queue = queueSpy();

    expect(await emit(job.id, queue)).toMatchObject({ emitted: true, type: "job.succeeded" });
    expect(await emit(job.id, queue)).toMatchObject({ emitted: false });
    await Promise.all([emit(job.id, queue), emit(job.id, queue)]);

    expect(queue.sent).toHaveLength(1);
    const events = await db.select().from(webhookEvents).where(eq(webhookEvents.jobId, job.id));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ id: queue.sent[0]!.body.event_id, jobVersion: 1, status: "pending" });
    expect(events[0]!.id).toMatch(/^msg_/);
  });

  it("uses the project's default URL when the job has none, and the job's own URL first", async () => {
    const t = await seedTenant(env.DB);
    await db
      .update(projects)
      .set({ webhookUrl: "https://default.example.com/h" })
      .where(eq(projects.id, t.projectId!));
    const plain = await seedJob(env.DB, t, { status: "failed" });
    const own = await seedJob(env.DB, t, { status: "failed", overrides: { webhookUrl: HOOK_URL } });

    await emit(plain.id);
    await emit(own.id);

    const urls = async (jobId: string) =>
      (await db.select().from(webhookEvents).where(eq(webhookEvents.jobId, jobId))).map((e) => e.url);
    expect(await urls(plain.id)).toEqual(["https://default.example.com/h"]);
    expect(await urls(own.id)).toEqual([HOOK_URL]);
  });

  it("sends nothing without a URL, for queued jobs, or for events the filter leaves out", async () => {
    const t = await seedTenant(env.DB);
    const noUrl = await seedJob(env.DB, t, { status: "succeeded" });
    const queued = await seedJob(env.DB, t, { status: "queued", overrides: { webhookUrl: HOOK_URL } });
    // job.started is opt-in: the default filter is terminal events only.
    const running = await seedJob(env.DB, t, { status: "running", overrides: { webhookUrl: HOOK_URL } });
    const filtered = await seedJob(env.DB, t, {
      status: "failed",
      overrides: { webhookUrl: HOOK_URL, webhookEvents: ["job.succeeded"] },
    });
    const queue = queueSpy();
    for (const job of [noUrl, queued, running, filtered])
      expect(await emit(job.id, queue)).toMatchObject({ emitted: false });
    expect(queue.sent).toHaveLength(0);
  });

  it("does not report a cancel request on a running job as a second job.started", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, {
      status: "running",
      overrides: { webhookUrl: HOOK_URL, webhookEvents: ["job.started"] },
    });
    const queue = queueSpy();
    expect(await emit(job.id, queue)).toMatchObject({ emitted: true, type: "job.started" });
    // A new version whose event is cancel_requested, status still running.
    await env.DB.batch([
      env.DB.prepare(
        `UPDATE jobs SET version = 2, cancel_requested_at = ?, events = ${"json_insert(events, '$[#]', json_object('version', 2, 'type', 'cancel_requested', 'status', 'running', 'data', null, 'createdAt', ?))"} WHERE id = ?`,
      ).bind(Date.now(), Date.now(), job.id),
    ]);
    expect(await emit(job.id, queue)).toMatchObject({ emitted: false });
    expect(queue.sent).toHaveLength(1);
  });

  it("emits job.started and job.succeeded from a real job run when the filter asks for both", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, {
      status: "queued",
      overrides: {
        webhookUrl: HOOK_URL,
        webhookEvents: ["job.started", "job.succeeded"],
        requestedProvider: "demo",
      },
    });
    const webhooks = queueSpy();
    const batch = createMessageBatch("genqueue-jobs", [
      {
        id: "job-msg-1",
        timestamp: new Date(),
        attempts: 1,
        body: jobMessage({
          job_id: job.id,
          instance_id: t.instanceId,
          project_id: t.projectId!,
          request_id: job.requestId,
        }),
      },
    ]);

    await handleJobMessage(batch.messages[0]!, {
      ...env,
      WEBHOOKS: webhooks.queue,
    } as unknown as ConsumerEnv);

    expect((await getJob(db, job.id))?.status).toBe("succeeded");
    const events = await db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.jobId, job.id))
      .orderBy(webhookEvents.jobVersion);
    expect(events.map((e) => e.type)).toEqual(["job.started", "job.succeeded"]);
    expect(webhooks.sent.map((s) => s.body.event_id)).toEqual(events.map((e) => e.id));
    const succeeded = JSON.parse(events[1]!.body) as { data: { status: string; result: unknown } };
    expect(succeeded.data.status).toBe("succeeded");
    expect(succeeded.data.result).not.toBeNull();
  });

  it("emits job.dead_lettered from the jobs dead-letter consumer", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "queued", overrides: { webhookUrl: HOOK_URL } });
    const webhooks = queueSpy();
    const batch = createMessageBatch("genqueue-jobs-dlq", [
      {
        id: "dlq-msg-1",
        timestamp: new Date(),
        attempts: 1,
        body: jobMessage({
          job_id: job.id,
          instance_id: t.instanceId,
          project_id: t.projectId!,
          request_id: job.requestId,
        }),
      },
    ]);

    await handleDeadLetter(db, batch.messages[0]!, Date.now(), webhooks.queue);

    const events = await db.select().from(webhookEvents).where(eq(webhookEvents.jobId, job.id));
    expect(events.map((e) => e.type)).toEqual(["job.dead_lettered"]);
    expect(webhooks.sent).toHaveLength(1);
  });
});

describe("the webhooks queue handler", () => {
  it("acks an unreadable message and a message for an unknown event, one by one", async () => {
    const batch = createMessageBatch<unknown>("genqueue-webhooks", [
      { id: "bad", timestamp: new Date(), attempts: 1, body: { kind: "nope" } },
      {
        id: "unknown",
        timestamp: new Date(),
        attempts: 1,
        body: webhookDeliveryMessage("msg_doesnotexist0000000"),
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env as unknown as ConsumerEnv, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryBatch.retry).toBe(false);
    expect([...result.explicitAcks].sort()).toEqual(["bad", "unknown"]);
  });
});

describe("the job.succeeded webhook, written in the success's own D1 batch", () => {
  /** Runs a queued demo job through the consumer; returns its webhook rows and what was sent. */
  async function runJob(t: SeededTenant, overrides: SeedJobOptions["overrides"] = {}) {
    const job = await seedJob(env.DB, t, {
      status: "queued",
      overrides: { requestedProvider: "demo", ...overrides },
    });
    const webhooks = queueSpy();
    const batch = createMessageBatch("genqueue-jobs", [
      { id: `msg-${job.id}`, timestamp: new Date(), attempts: 1, body: messageFor(job) },
    ]);
    await handleJobMessage(batch.messages[0]!, {
      ...env,
      WEBHOOKS: webhooks.queue,
    } as unknown as ConsumerEnv);
    const row = (await getJob(db, job.id))!;
    expect(row.status).toBe("succeeded");
    const events = await db.select().from(webhookEvents).where(eq(webhookEvents.jobId, job.id));
    return { row, events, sent: webhooks.sent };
  }

  it("carries the job exactly as GET /v1/jobs/{id} renders it, at the job's final version, sent once", async () => {
    const t = await seedTenant(env.DB);
    const { row, events, sent } = await runJob(t, { webhookUrl: HOOK_URL });
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      type: "job.succeeded",
      jobVersion: row.version,
      url: HOOK_URL,
      status: "pending",
    });
    const body = JSON.parse(event!.body) as { type: string; timestamp: string; data: unknown };
    expect(body.data).toEqual(JSON.parse(JSON.stringify(serializeJob(row))));
    expect(body.timestamp).toBe(new Date(row.completedAt!).toISOString());
    expect(sent.map((s) => s.body.event_id)).toEqual([event!.id]);
  });

  it("goes to the project's URL when the job names none", async () => {
    const t = await seedTenant(env.DB);
    await db.update(projects).set({ webhookUrl: HOOK_URL }).where(eq(projects.id, t.projectId!));
    const { events, sent } = await runJob(t);
    expect(events.map((e) => e.url)).toEqual([HOOK_URL]);
    expect(sent).toHaveLength(1);
  });

  it("is recorded gone and never sent when the URL answered 410 before", async () => {
    const t = await seedTenant(env.DB);
    await db
      .insert(goneWebhookUrls)
      .values({ instanceId: t.instanceId, url: HOOK_URL, createdAt: Date.now() });
    const { events, sent } = await runJob(t, { webhookUrl: HOOK_URL });
    expect(events.map((e) => e.status)).toEqual(["gone"]);
    expect(sent).toEqual([]);
  });

  it("is not written without a URL, nor when the job's filter leaves job.succeeded out", async () => {
    const t = await seedTenant(env.DB);
    for (const overrides of [{}, { webhookUrl: HOOK_URL, webhookEvents: ["job.failed"] }]) {
      const { events, sent } = await runJob(t, overrides);
      expect(events).toEqual([]);
      expect(sent).toEqual([]);
    }
  });
});
