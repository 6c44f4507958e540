// DELETE /v1/jobs/{id}: only an ended job; its images leave R2 and the row becomes a tombstone
// (history, status, cost kept; input, metadata, webhook settings gone) with an audit record, all
// or nothing; a repeat changes nothing; other tenants' and other projects' jobs are 404.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { createDb } from "../../shared/db/client";
import { getJob } from "../../shared/db/queries/jobs";
import { auditLog, deadLetters, idempotencyKeys, webhookEvents } from "../../shared/db/schema";
import type { JobStatus } from "../../shared/jobs/enums";
import type { Job } from "../../shared/jobs/schemas";
import { transition } from "../../shared/jobs/transitions";
import {
  authHeaders,
  jobHistory,
  type SeededTenant,
  seedJob,
  seedJobImage,
  seedKey,
  seedOrgKey,
  seedProject,
  seedTenant,
  seedUser,
} from "../support/tenant";
import { call, callWith, getInit } from "./helpers";

const db = createDb(env.DB);
const del = (id: string, key: string) =>
  call(`/v1/jobs/${id}`, { method: "DELETE", headers: authHeaders(key) });

/** A succeeded job with two stored images and every kind of user content. */
async function succeededJob(t: SeededTenant) {
  const job = await seedJob(env.DB, t, {
    status: "succeeded",
    overrides: {
      metadata: { order: "A-1" },
      webhookUrl: "https://example.com/hook",
      webhookEvents: ["job.succeeded"],
      revisedPrompt: "a revised secret",
      model: "demo-1",
      costUsd: 0.04,
    },
  });
  const keys = [];
  for (const index of [0, 1]) {
    keys.push(
      await seedJobImage(env, job.id, { index, bytes: new Uint8Array([index]), contentType: "image/png" }),
    );
  }
  return { job, keys };
}

async function stored(keys: string[]) {
  return (await Promise.all(keys.map((key) => env.IMAGES.head(key)))).filter((o) => o !== null).length;
}

async function auditRows(jobId: string) {
  return db.select().from(auditLog).where(eq(auditLog.resourceId, jobId)).all();
}

describe("DELETE /v1/jobs/{id}", () => {
  it("removes a succeeded job's images and leaves a tombstone with its status, cost and history", async () => {
    const t = await seedTenant(env.DB);
    const { job, keys } = await succeededJob(t);
    const history = await jobHistory(env.DB, job.id);
    expect(await stored(keys)).toBe(2);

    const res = await del(job.id, t.userKey);

    expect(res.status).toBe(200);
    const body = (await res.json()) as Job;
    expect(body).toMatchObject({
      id: job.id,
      status: "succeeded",
      input: null,
      metadata: null,
      webhook_url: null,
      webhook_events: null,
      deleted_at: expect.any(String),
      images_removed_at: expect.any(String),
      result: { model: "demo-1", cost_usd: 0.04, revised_prompt: null },
    });
    expect(await stored(keys)).toBe(0);
    const row = await getJob(db, job.id);
    expect(row?.input).toEqual({});
    expect(row?.revisedPrompt).toBeNull();
    expect(row?.deletedAt).toBe(Date.parse(body.deleted_at ?? ""));
    expect(await jobHistory(env.DB, job.id)).toEqual(history);
    const image = await call(`/v1/jobs/${job.id}/images/0`, getInit(t.userKey));
    expect(image.status).toBe(410);
    expect(await image.json()).toMatchObject({ code: "images_removed" });
  });

  it("still answers GET and /events for the tombstone, and leaves it out of GET /v1/jobs", async () => {
    const t = await seedTenant(env.DB);
    const { job } = await succeededJob(t);
    const kept = await seedJob(env.DB, t, { status: "failed" });
    expect((await del(job.id, t.userKey)).status).toBe(200);

    const got = await call(`/v1/jobs/${job.id}`, getInit(t.userKey));
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ id: job.id, input: null, deleted_at: expect.any(String) });
    const events = await call(`/v1/jobs/${job.id}/events`, getInit(t.userKey));
    expect(events.status).toBe(200);
    expect(((await events.json()) as { data: unknown[] }).data).toHaveLength(1);
    const list = (await (await call("/v1/jobs", getInit(t.userKey))).json()) as { data: Job[] };
    expect(list.data.map((j) => j.id)).toEqual([kept.id]);
  });

  it("writes one audit record naming the key, its user and the request, without the input", async () => {
    const t = await seedTenant(env.DB);
    const { job } = await succeededJob(t);
    const { userId } = await seedUser(env.DB, {
      organizationId: t.organizationId,
      role: "user",
      instanceIds: [t.instanceId],
    });
    const key = await seedKey(env.DB, { instanceId: t.instanceId, projectId: t.projectId, userId });

    const res = await del(job.id, key.key);

    const [record, ...others] = await auditRows(job.id);
    expect(others).toEqual([]);
    expect(record).toMatchObject({
      organizationId: t.organizationId,
      actorKeyId: key.id,
      actorUserId: userId,
      action: "job.delete",
      resourceType: "job",
      requestId: res.headers.get("x-request-id"),
    });
    expect(JSON.stringify(record)).not.toContain("seeded test job");
  });

  it("answers a second DELETE with the same tombstone and records nothing more", async () => {
    const t = await seedTenant(env.DB);
    const { job } = await succeededJob(t);
    const first = (await (await del(job.id, t.userKey)).json()) as Job;

    const again = await del(job.id, t.adminKey);

    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(first);
    expect(await auditRows(job.id)).toHaveLength(1);
  });

  it.each<JobStatus>(["failed", "canceled", "dead_lettered"])(
    "deletes a %s job (no images)",
    async (status) => {
      const t = await seedTenant(env.DB);
      const job = await seedJob(env.DB, t, {
        status,
        overrides: { errorCode: "x", errorMessage: "quotes the prompt" },
      });

      const res = await del(job.id, t.userKey);

      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status, error: { code: "x", message: "x" }, input: null });
    },
  );

  it.each<JobStatus>(["queued", "running"])(
    "refuses a %s job with 409 job_not_terminal, changing nothing",
    async (status) => {
      const t = await seedTenant(env.DB);
      const job = await seedJob(env.DB, t, { status });

      const res = await del(job.id, t.userKey);

      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({
        code: "job_not_terminal",
        detail: expect.stringContaining("cancel"),
      });
      expect(await getJob(db, job.id)).toEqual(job);
      expect(await auditRows(job.id)).toEqual([]);
    },
  );

  it("returns 404 for a job of another instance, and leaves it alone", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedTenant(env.DB);
    const { job, keys } = await succeededJob(other);

    const res = await del(job.id, t.adminKey);

    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "job_not_found" });
    expect(await stored(keys)).toBe(2);
    expect((await getJob(db, job.id))?.deletedAt).toBeNull();
  });

  it("returns 404 to a user key of another project of the same instance", async () => {
    const t = await seedTenant(env.DB);
    const otherProject = await seedProject(env.DB, t);
    const { job, keys } = await succeededJob(t);

    const res = await del(job.id, otherProject.userKey);

    expect(res.status).toBe(404);
    expect(await stored(keys)).toBe(2);
  });

  it("refuses an organization-wide key (403), like every job route", async () => {
    const t = await seedTenant(env.DB);
    const { job } = await succeededJob(t);
    const orgKey = await seedOrgKey(env.DB, { organizationId: t.organizationId, role: "admin" });

    const res = await del(job.id, orgKey.key);

    expect(res.status).toBe(403);
    expect((await getJob(db, job.id))?.deletedAt).toBeNull();
  });

  it("removes the job's webhook events, dead letters and idempotency record; redelivery is 409 job_deleted", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "dead_lettered" });
    const now = Date.now();
    const scope = { jobId: job.id, instanceId: t.instanceId, projectId: job.projectId };
    await db.batch([
      db.insert(webhookEvents).values({
        ...scope,
        id: "msg_del_test_1",
        type: "job.dead_lettered",
        jobVersion: 1,
        url: "https://example.com/hook",
        body: '{"data":{"input":{"prompt":"a seeded test job"}}}',
        status: "delivered",
        createdAt: now,
      }),
      db.insert(deadLetters).values({
        ...scope,
        id: `dl_${job.id}`,
        errorCode: "x",
        errorMessage: "y",
        attempts: 3,
        message: { job_id: job.id },
        createdAt: now,
      }),
      db.insert(idempotencyKeys).values({
        apiKeyId: job.apiKeyId,
        key: "k1",
        fingerprint: "f",
        jobId: job.id,
        responseStatus: 202,
        responseBody: '{"input":{"prompt":"a seeded test job"}}',
        createdAt: now,
        expiresAt: now + 86_400_000,
      }),
    ]);

    expect((await del(job.id, t.userKey)).status).toBe(200);

    expect(await db.select().from(webhookEvents).where(eq(webhookEvents.jobId, job.id)).all()).toEqual([]);
    expect(await db.select().from(deadLetters).where(eq(deadLetters.jobId, job.id)).all()).toEqual([]);
    expect(await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.jobId, job.id)).all()).toEqual(
      [],
    );
    const redeliver = await call(`/v1/jobs/${job.id}/webhooks/redeliver`, {
      method: "POST",
      headers: authHeaders(t.userKey),
    });
    expect(redeliver.status).toBe(409);
    expect(await redeliver.json()).toMatchObject({ code: "job_deleted" });
    // Nor can an operator's replay move the tombstone back to queued.
    const replay = await transition(db, { jobId: job.id, event: "replayed", now: Date.now() });
    expect(replay.applied).toBe(false);
  });

  it("changes nothing when R2 fails part-way, and a repeated DELETE finishes", async () => {
    const t = await seedTenant(env.DB);
    const { job, keys } = await succeededJob(t);
    // The first key goes, then R2 fails: the state a crash between two R2 calls leaves.
    const failing = {
      async delete(list: string | string[]) {
        await env.IMAGES.delete([...list].slice(0, 1));
        throw new Error("R2 unavailable (test)");
      },
    } as unknown as R2Bucket;
    vi.spyOn(console, "error").mockImplementation(() => undefined);

    const failed = await callWith({ IMAGES: failing }, `/v1/jobs/${job.id}`, {
      method: "DELETE",
      headers: authHeaders(t.userKey),
    });

    vi.restoreAllMocks();
    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({ code: "service_unavailable" });
    expect(await stored(keys)).toBe(1);
    expect(await getJob(db, job.id)).toMatchObject({
      deletedAt: null,
      imagesRemovedAt: null,
      metadata: { order: "A-1" },
    });
    expect(await auditRows(job.id)).toEqual([]);

    const retried = await del(job.id, t.userKey);

    expect(retried.status).toBe(200);
    expect(await stored(keys)).toBe(0);
    expect(await auditRows(job.id)).toHaveLength(1);
  });

  it("keeps the time retention removed the images, and calls no R2 for them", async () => {
    const t = await seedTenant(env.DB);
    const removedAt = Date.parse("2026-01-02T00:00:00Z");
    const { job } = await succeededJob(t);
    await env.DB.prepare("UPDATE jobs SET images_removed_at = ? WHERE id = ?").bind(removedAt, job.id).run();
    const untouchable = { delete: vi.fn() } as unknown as R2Bucket;

    const res = await callWith({ IMAGES: untouchable }, `/v1/jobs/${job.id}`, {
      method: "DELETE",
      headers: authHeaders(t.userKey),
    });

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ images_removed_at: "2026-01-02T00:00:00.000Z" });
    expect(untouchable.delete).not.toHaveBeenCalled();
  });

  it("declares in /openapi.json the codes it sends (the middleware's shared ones too)", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { "x-error-codes"?: string[] }> }>>;
    };
    const responses = doc.paths["/v1/jobs/{id}"]?.delete?.responses ?? {};
    const codes = Object.values(responses).flatMap((r) => r["x-error-codes"] ?? []);
    expect(codes).toEqual(
      expect.arrayContaining([
        "unauthorized",
        "forbidden",
        "job_not_found",
        "job_not_terminal",
        "validation_failed",
        "payload_too_large",
        "service_unavailable",
      ]),
    );
    expect(Object.keys(responses)).toContain("200");
  });
});
