// The webhook routes: a job's delivery history, redelivery, and the admin API of a project's
// webhook URL and signing secret. Queue sends go to a spy WEBHOOKS binding.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/db/client";
import { decryptSecret, generateMasterKey, importMasterKey } from "../../shared/providers/keys/crypto";
import { goneWebhookUrls, projects, webhookEvents } from "../../shared/db/schema";
import { emitWebhookForJob } from "../../shared/webhooks/emit";
import type { WebhookDeliveryMessage } from "../../shared/webhooks/message";
import type { ProjectWebhookView } from "../../shared/webhooks/projects";
import { SEALED_PREFIX, webhookSecretAad } from "../../shared/webhooks/sealed-secret";
import { generateWebhookSecret } from "../../shared/webhooks/secret";
import type { WebhookEvent, WebhookEventList } from "../../shared/webhooks/schemas";
import { authHeaders, seedJob, seedTenant, type SeededTenant } from "../support/tenant";
import { callWith, expectProblem } from "./helpers";

const db = createDb(env.DB);
const HOOK_URL = "https://hooks.example.com/genqueue";
/** The master key of stored secrets these requests run with (the project webhook routes need one). */
const MASTER = generateMasterKey();

function webhooksSpy() {
  const sent: WebhookDeliveryMessage[] = [];
  const queue = {
    async send(body: WebhookDeliveryMessage) {
      sent.push(structuredClone(body));
    },
    async sendBatch() {
      throw new Error("not used");
    },
  } as unknown as Queue;
  return { queue, sent };
}

/** A request with the WEBHOOKS binding replaced by a spy (and any other binding given). */
async function request(
  path: string,
  init: RequestInit,
  spy = webhooksSpy(),
  bindings: Record<string, unknown> = {},
) {
  const withKey = { PROVIDER_KEYS_MASTER_KEY: MASTER, ...bindings } as Partial<ProducerEnv>;
  const res = await callWith({ ...withKey, WEBHOOKS: spy.queue }, path, init);
  return { res, sent: spy.sent };
}

const get = (path: string, key: string, bindings: Record<string, unknown> = {}) =>
  request(path, { headers: authHeaders(key) }, webhooksSpy(), bindings);
const post = (path: string, key: string, bindings: Record<string, unknown> = {}) =>
  request(path, { method: "POST", headers: authHeaders(key) }, webhooksSpy(), bindings);
const put = (path: string, key: string, body: unknown, bindings: Record<string, unknown> = {}) =>
  request(
    path,
    {
      method: "PUT",
      headers: { ...authHeaders(key), "content-type": "application/json" },
      body: JSON.stringify(body),
    },
    webhooksSpy(),
    bindings,
  );

/** A job with one emitted event (and, if given, recorded attempts). */
async function jobWithEvent(
  t: SeededTenant,
  status: "succeeded" | "failed" = "succeeded",
  attempts: { statusCode: number | null; error: string | null; nextAttemptAt: number | null }[] = [],
) {
  const job = await seedJob(env.DB, t, { status, overrides: { webhookUrl: HOOK_URL } });
  const spy = webhooksSpy();
  const result = await emitWebhookForJob({ db, queue: spy.queue, now: () => Date.now() }, job.id);
  if (!result.emitted) throw new Error(`no event emitted: ${result.reason}`);
  const now = Date.now();
  const attemptLog = attempts.map((a, i) => ({
    attempt: i + 1,
    url: HOOK_URL,
    statusCode: a.statusCode,
    durationMs: 12,
    error: a.error,
    nextAttemptAt: a.nextAttemptAt,
    createdAt: now + i,
  }));
  await db
    .update(webhookEvents)
    .set({ attempts: attempts.length, attemptLog })
    .where(eq(webhookEvents.id, result.eventId));
  return { job, eventId: result.eventId };
}

describe("GET /v1/jobs/{id}/webhooks", () => {
  it("lists the job's events newest first, each with its attempts", async () => {
    const t = await seedTenant(env.DB);
    const next = Date.now() + 5000;
    const { job, eventId } = await jobWithEvent(t, "succeeded", [
      { statusCode: 500, error: "HTTP 500", nextAttemptAt: next },
      { statusCode: 200, error: null, nextAttemptAt: null },
    ]);
    // A second, later event of the same job (say it was replayed and failed afterwards).
    await env.DB.batch([
      env.DB.prepare(
        `UPDATE jobs SET version = 2, status = 'failed', events = ${"json_insert(events, '$[#]', json_object('version', 2, 'type', 'failed', 'status', 'failed', 'data', null, 'createdAt', ?))"} WHERE id = ?`,
      ).bind(Date.now(), job.id),
    ]);
    const second = await emitWebhookForJob({ db, queue: webhooksSpy().queue, now: () => Date.now() }, job.id);

    const { res } = await get(`/v1/jobs/${job.id}/webhooks`, t.userKey);

    expect(res.status).toBe(200);
    const body = (await res.json()) as WebhookEventList;
    expect(body.object).toBe("list");
    expect(body.job_id).toBe(job.id);
    expect(body.data.map((e) => e.id)).toEqual([second.emitted ? second.eventId : "?", eventId]);
    expect(body.data[0]).toMatchObject({
      type: "job.failed",
      job_version: 2,
      status: "pending",
      attempts: [],
    });
    expect(body.data[1]).toMatchObject({
      id: eventId,
      object: "webhook_event",
      type: "job.succeeded",
      job_id: job.id,
      job_version: 1,
      url: HOOK_URL,
      status: "pending",
      delivered_at: null,
    });
    expect(body.data[1]!.attempts).toEqual([
      {
        attempt: 1,
        url: HOOK_URL,
        status_code: 500,
        duration_ms: 12,
        error: "HTTP 500",
        next_attempt_at: new Date(next).toISOString(),
        created_at: expect.any(String),
      },
      expect.objectContaining({ attempt: 2, status_code: 200, error: null, next_attempt_at: null }),
    ]);
  });

  it("answers an empty list for a job without webhooks", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "succeeded" });
    const { res } = await get(`/v1/jobs/${job.id}/webhooks`, t.userKey);
    expect(res.status).toBe(200);
    expect(((await res.json()) as WebhookEventList).data).toEqual([]);
  });

  it("returns 404 for a job of another instance", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedTenant(env.DB);
    const { job } = await jobWithEvent(other);
    const { res } = await get(`/v1/jobs/${job.id}/webhooks`, t.userKey);
    await expectProblem(res, 404, "job_not_found");
  });
});

describe("POST /v1/jobs/{id}/webhooks/redeliver", () => {
  it("queues the latest event again under the same webhook-id", async () => {
    const t = await seedTenant(env.DB);
    const { job, eventId } = await jobWithEvent(t, "succeeded", [
      { statusCode: 200, error: null, nextAttemptAt: null },
    ]);
    await db
      .update(webhookEvents)
      .set({ status: "delivered", deliveredAt: Date.now() })
      .where(eq(webhookEvents.id, eventId));

    const { res, sent } = await post(`/v1/jobs/${job.id}/webhooks/redeliver`, t.userKey);

    expect(res.status).toBe(202);
    const body = (await res.json()) as WebhookEvent;
    expect(body).toMatchObject({ id: eventId, status: "pending", delivered_at: null });
    expect(body.attempts.map((a) => a.attempt)).toEqual([1]);
    expect(sent).toEqual([{ v: 1, kind: "webhook", event_id: eventId, attempt: 1, remaining_seconds: 0 }]);
    const row = await db.select().from(webhookEvents).where(eq(webhookEvents.id, eventId)).get();
    // Attempt numbers continue from the event's counter.
    expect(row).toMatchObject({ status: "pending", attempts: 1, deliveredAt: null });
  });

  it("takes a URL that answered 410 Gone back into service", async () => {
    const t = await seedTenant(env.DB);
    const { job, eventId } = await jobWithEvent(t);
    await db.update(webhookEvents).set({ status: "gone" }).where(eq(webhookEvents.id, eventId));
    await db
      .insert(goneWebhookUrls)
      .values({ instanceId: t.instanceId, url: HOOK_URL, createdAt: Date.now() });

    const { res, sent } = await post(`/v1/jobs/${job.id}/webhooks/redeliver`, t.userKey);

    expect(res.status).toBe(202);
    expect(sent).toHaveLength(1);
    expect(
      await db.select().from(goneWebhookUrls).where(eq(goneWebhookUrls.instanceId, t.instanceId)),
    ).toEqual([]);
  });

  it("returns 404 webhook_event_not_found for a job that never had a webhook event", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "succeeded" });
    const { res, sent } = await post(`/v1/jobs/${job.id}/webhooks/redeliver`, t.userKey);
    await expectProblem(res, 404, "webhook_event_not_found");
    expect(sent).toEqual([]);
  });

  it("returns 404 for a job of another instance and sends nothing", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedTenant(env.DB);
    const { job } = await jobWithEvent(other);
    const { res, sent } = await post(`/v1/jobs/${job.id}/webhooks/redeliver`, t.userKey);
    await expectProblem(res, 404, "job_not_found");
    expect(sent).toEqual([]);
  });

  it("answers 503 queue_unavailable and leaves the event as it was when the queue refuses", async () => {
    const t = await seedTenant(env.DB);
    const { job, eventId } = await jobWithEvent(t);
    await db.update(webhookEvents).set({ status: "failed" }).where(eq(webhookEvents.id, eventId));
    const failing = {
      queue: {
        async send() {
          throw new Error("queue down (test)");
        },
      } as unknown as Queue,
      sent: [],
    };
    const { res } = await request(
      `/v1/jobs/${job.id}/webhooks/redeliver`,
      { method: "POST", headers: authHeaders(t.userKey) },
      failing,
    );
    await expectProblem(res, 503, "queue_unavailable");
    expect((await db.select().from(webhookEvents).where(eq(webhookEvents.id, eventId)).get())?.status).toBe(
      "failed",
    );
  });
});

describe("POST /v1/jobs/{id}/cancel", () => {
  it("emits job.canceled when a queued job is canceled", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "queued", overrides: { webhookUrl: HOOK_URL } });

    const { res, sent } = await post(`/v1/jobs/${job.id}/cancel`, t.userKey);

    expect(res.status).toBe(202);
    const events = await db.select().from(webhookEvents).where(eq(webhookEvents.jobId, job.id));
    expect(events.map((e) => e.type)).toEqual(["job.canceled"]);
    expect(sent.map((m) => m.event_id)).toEqual([events[0]!.id]);
    expect(JSON.parse(events[0]!.body)).toMatchObject({
      type: "job.canceled",
      data: { id: job.id, status: "canceled" },
    });
  });
});

describe("admin: a project's webhook", () => {
  const path = (projectId: string, suffix = "") => `/v1/admin/projects/${projectId}/webhook${suffix}`;

  /** The project's stored secrets, as D1 holds them. */
  const stored = (projectId: string) =>
    env.DB.prepare(
      "SELECT webhook_secret AS current, webhook_secret_previous AS previous FROM projects WHERE id = ?",
    )
      .bind(projectId)
      .first<{ current: string | null; previous: string | null }>();
  const opened = async (value: string | null | undefined, projectId: string) =>
    decryptSecret(
      await importMasterKey(MASTER),
      String(value).slice(SEALED_PREFIX.length),
      webhookSecretAad(projectId),
    );

  it("makes the secret with the first URL, shows it in that answer only, and stores it encrypted", async () => {
    const t = await seedTenant(env.DB);
    const none = (await (await get(path(t.projectId!), t.adminKey)).res.json()) as ProjectWebhookView;
    expect(none).toEqual({
      project_id: t.projectId,
      url: null,
      has_secret: false,
      secret_last4: null,
      previous_secret_expires_at: null,
    });

    const first = await put(path(t.projectId!), t.adminKey, { url: HOOK_URL });
    expect(first.res.status).toBe(200);
    const made = (await first.res.json()) as ProjectWebhookView;
    expect(made).toEqual({
      project_id: t.projectId,
      url: HOOK_URL,
      has_secret: true,
      secret_last4: made.secret!.slice(-4),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      previous_secret_expires_at: null,
    });
    const row = await stored(t.projectId!);
    expect(row?.current).toMatch(/^enc:v1:/);
    expect(row?.current).not.toContain(made.secret!.slice("whsec_".length));
    expect(await opened(row?.current, t.projectId!)).toBe(made.secret);

    // Never again: not by GET, not by a later PUT.
    const read = await get(path(t.projectId!), t.adminKey);
    const text = await read.res.text();
    expect(text).not.toContain(made.secret!);
    expect(JSON.parse(text)).toEqual({ ...made, secret: undefined });
    expect(JSON.parse(text)).not.toHaveProperty("secret");
    const again = (await (await put(path(t.projectId!), t.adminKey, { url: HOOK_URL })).res.json()) as object;
    expect(again).not.toHaveProperty("secret");
    expect((await stored(t.projectId!))?.current).toBe(row?.current);
  });

  it("rotates: the new secret in that answer only; the previous one keeps signing for 24 h", async () => {
    const t = await seedTenant(env.DB);
    const before = (await (
      await put(path(t.projectId!), t.adminKey, { url: HOOK_URL })
    ).res.json()) as ProjectWebhookView;

    const { res } = await post(path(t.projectId!, "/rotate-secret"), t.adminKey);

    expect(res.status).toBe(200);
    const after = (await res.json()) as ProjectWebhookView;
    expect(after.secret).toMatch(/^whsec_/);
    expect(after.secret).not.toBe(before.secret);
    expect(after.secret_last4).toBe(after.secret!.slice(-4));
    const expiresIn = Date.parse(after.previous_secret_expires_at!) - Date.now();
    expect(expiresIn).toBeGreaterThan(23.9 * 3600_000);
    expect(expiresIn).toBeLessThanOrEqual(24 * 3600_000);
    const row = await stored(t.projectId!);
    expect(row?.current).toMatch(/^enc:v1:/);
    expect(row?.previous).toMatch(/^enc:v1:/);
    expect(await opened(row?.current, t.projectId!)).toBe(after.secret);
    expect(await opened(row?.previous, t.projectId!)).toBe(before.secret);
    const read = (await (await get(path(t.projectId!), t.adminKey)).res.json()) as ProjectWebhookView;
    expect(read).toEqual({ ...after, secret: undefined });
    expect(read).not.toHaveProperty("secret");
  });

  it("rotating a project without a secret makes its first one, with no previous one", async () => {
    const t = await seedTenant(env.DB);
    const made = (await (
      await post(path(t.projectId!, "/rotate-secret"), t.adminKey)
    ).res.json()) as ProjectWebhookView;
    expect(made).toMatchObject({ has_secret: true, previous_secret_expires_at: null });
    expect(await opened((await stored(t.projectId!))?.current, t.projectId!)).toBe(made.secret);
  });

  it("encrypts a plaintext secret from before encryption on first use, and keeps it", async () => {
    const t = await seedTenant(env.DB);
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    await db
      .update(projects)
      .set({ webhookSecret: current, webhookSecretPrevious: previous, webhookSecretRotatedAt: Date.now() })
      .where(eq(projects.id, t.projectId!));

    const read = (await (await get(path(t.projectId!), t.adminKey)).res.json()) as ProjectWebhookView;

    expect(read).toMatchObject({ has_secret: true, secret_last4: current.slice(-4) });
    expect(read).not.toHaveProperty("secret");
    const row = await stored(t.projectId!);
    expect(row?.current).toMatch(/^enc:v1:/);
    expect(row?.previous).toMatch(/^enc:v1:/);
    expect(await opened(row?.current, t.projectId!)).toBe(current);
    expect(await opened(row?.previous, t.projectId!)).toBe(previous);
  });

  it("answers 503 encryption_not_configured without a master key, and stores nothing", async () => {
    const t = await seedTenant(env.DB);
    const unset = { PROVIDER_KEYS_MASTER_KEY: undefined };
    const calls = [
      get(path(t.projectId!), t.adminKey, unset),
      put(path(t.projectId!), t.adminKey, { url: HOOK_URL }, unset),
      post(path(t.projectId!, "/rotate-secret"), t.adminKey, unset),
    ];
    for (const { res } of await Promise.all(calls)) {
      const problem = await expectProblem(res, 503, "encryption_not_configured");
      expect(problem.detail).toContain("Webhook signing secrets");
    }
    expect(await stored(t.projectId!)).toEqual({ current: null, previous: null });
  });

  it("sets and clears the default URL", async () => {
    const t = await seedTenant(env.DB);
    await db
      .insert(goneWebhookUrls)
      .values({ instanceId: t.instanceId, url: HOOK_URL, createdAt: Date.now() });

    const set = await put(path(t.projectId!), t.adminKey, { url: HOOK_URL });
    expect(set.res.status).toBe(200);
    expect(await set.res.json()).toMatchObject({ project_id: t.projectId, url: HOOK_URL });
    expect((await db.select().from(projects).where(eq(projects.id, t.projectId!)).get())?.webhookUrl).toBe(
      HOOK_URL,
    );
    // Setting the URL again takes it back into service after a 410.
    expect(
      await db.select().from(goneWebhookUrls).where(eq(goneWebhookUrls.instanceId, t.instanceId)),
    ).toEqual([]);

    const cleared = await put(path(t.projectId!), t.adminKey, { url: null });
    expect(cleared.res.status).toBe(200);
    expect(await cleared.res.json()).toMatchObject({ url: null });
  });

  it.each([
    "http://hooks.example.com/plain",
    "https://127.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.1.2.3/hook",
    "https://[fd00:ec2::254]/",
    "https://0x7f.1/hook",
    "https://metadata.google.internal/",
    "https://user:pw@hooks.example.com/",
    "not a url",
  ])("refuses %s with webhook_url_invalid in production", async (url) => {
    const t = await seedTenant(env.DB);
    const { res } = await put(path(t.projectId!), t.adminKey, { url }, { ENVIRONMENT: "production" });
    const problem = await expectProblem(res, 400, "webhook_url_invalid");
    expect(problem.errors?.[0]?.path).toBe("url");
    expect(
      (await db.select().from(projects).where(eq(projects.id, t.projectId!)).get())?.webhookUrl,
    ).toBeNull();
  });

  it("accepts http://127.0.0.1 only in local development and tests", async () => {
    const t = await seedTenant(env.DB);
    const url = "http://127.0.0.1:8080/hook";
    expect((await put(path(t.projectId!), t.adminKey, { url }, { ENVIRONMENT: "test" })).res.status).toBe(
      200,
    );
    await expectProblem(
      (await put(path(t.projectId!), t.adminKey, { url }, { ENVIRONMENT: "production" })).res,
      400,
      "webhook_url_invalid",
    );
  });

  it("validates the body", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem((await put(path(t.projectId!), t.adminKey, {})).res, 400, "validation_failed");
    await expectProblem(
      (await put(path(t.projectId!), t.adminKey, { url: HOOK_URL, extra: 1 })).res,
      400,
      "validation_failed",
    );
  });

  it("is forbidden to user keys", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem((await get(path(t.projectId!), t.userKey)).res, 403, "forbidden");
    await expectProblem((await post(path(t.projectId!, "/rotate-secret"), t.userKey)).res, 403, "forbidden");
    await expectProblem((await put(path(t.projectId!), t.userKey, { url: HOOK_URL })).res, 403, "forbidden");
  });

  it("returns 404 for a project of another instance and changes nothing", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedTenant(env.DB);
    await expectProblem((await get(path(other.projectId!), t.adminKey)).res, 404, "project_not_found");
    await expectProblem(
      (await post(path(other.projectId!, "/rotate-secret"), t.adminKey)).res,
      404,
      "project_not_found",
    );
    await expectProblem(
      (await put(path(other.projectId!), t.adminKey, { url: HOOK_URL })).res,
      404,
      "project_not_found",
    );
    const row = await db.select().from(projects).where(eq(projects.id, other.projectId!)).get();
    expect(row).toMatchObject({ webhookUrl: null, webhookSecret: null });
  });

  it("requires an API key", async () => {
    const t = await seedTenant(env.DB);
    const { res } = await request(path(t.projectId!), {});
    await expectProblem(res, 401, "unauthorized");
  });
});
