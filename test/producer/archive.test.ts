// Archived jobs over the API: GET /v1/jobs/{id} and /events answer from the R2 archive with the
// bodies they gave before archiving; lists show the tombstone; a later DELETE still hides the content; an unreadable archive
// is a 503, another instance's archived job a 404; archive_after_days is set per instance through
// PATCH /v1/admin/instances/{id}. The archive step runs with `now` injected, 40 days ahead.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/db/client";
import { getJob } from "../../shared/db/queries/jobs";
import { archiveDueJobs } from "../../shared/jobs/archive";
import { readArchivedLine } from "../../shared/jobs/archive-format";
import { authHeaders, type SeededTenant, seedJob, seedJobImage, seedTenant } from "../support/tenant";
import { call, expectProblem, getInit, rows } from "./helpers";

const DAY = 86_400_000;
const db = createDb(env.DB);

/** A succeeded job with everything a body shows: metadata, webhook, result, an image, three events. */
async function richJob(t: SeededTenant) {
  const at = Date.now() - 60_000;
  const job = await seedJob(env.DB, t, {
    status: "succeeded",
    createdAt: at,
    overrides: {
      metadata: { order: "A-1" },
      webhookUrl: "https://hooks.example.com/genqueue",
      webhookEvents: ["job.succeeded"],
      model: "demo-1",
      revisedPrompt: "a lighthouse, revised",
      costUsd: 0.04,
      version: 3,
      events: [
        { version: 1, type: "queued", status: "queued", data: { request_id: "req_x" }, createdAt: at },
        { version: 2, type: "running", status: "running", data: null, createdAt: at + 10 },
        { version: 3, type: "succeeded", status: "succeeded", data: { images: 1 }, createdAt: at + 20 },
      ],
    },
  });
  await seedJobImage(env, job.id, { index: 0, bytes: new Uint8Array([1, 2, 3]), contentType: "image/png" });
  return job;
}

/** Runs the archive step 40 days from now (past the default 30) and returns the job's tombstone. */
async function archive(jobId: string) {
  const result = await archiveDueJobs({ db, bucket: env.IMAGES, now: Date.now() + 40 * DAY });
  expect(result.failed).toBe(0);
  const tomb = await getJob(db, jobId);
  expect(tomb?.archiveKey, "archived").toEqual(expect.any(String));
  return tomb!;
}

const getBody = async (key: string, path: string) => {
  const res = await call(path, getInit(key));
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
};

describe("an archived job over the API", () => {
  it("answers GET /v1/jobs/{id} and /events from the archive with the bodies of before", async () => {
    const t = await seedTenant(env.DB);
    const job = await richJob(t);
    const before = await getBody(t.userKey, `/v1/jobs/${job.id}`);
    const eventsBefore = await getBody(t.userKey, `/v1/jobs/${job.id}/events`);

    const tomb = await archive(job.id);
    expect(tomb).toMatchObject({ input: {}, events: [], metadata: null, revisedPrompt: null });

    expect(await getBody(t.userKey, `/v1/jobs/${job.id}`)).toEqual(before);
    expect(await getBody(t.userKey, `/v1/jobs/${job.id}/events`)).toEqual(eventsBefore);
    expect((eventsBefore as { data: unknown[] }).data).toHaveLength(3);
  });

  it("shows what changed on the tombstone since: images removed, then a DELETE", async () => {
    const t = await seedTenant(env.DB);
    const job = await richJob(t);
    await archive(job.id);

    await env.DB.prepare("UPDATE jobs SET images_removed_at = ? WHERE id = ?").bind(Date.now(), job.id).run();
    const trimmed = (await getBody(t.userKey, `/v1/jobs/${job.id}`)) as Record<string, unknown>;
    expect(trimmed.images_removed_at).toEqual(expect.any(String));
    expect(trimmed.input).toMatchObject({ prompt: "a seeded test job" });

    const res = await call(`/v1/jobs/${job.id}`, { method: "DELETE", headers: authHeaders(t.userKey) });
    expect(res.status, await res.clone().text()).toBe(200);
    const deleted = (await getBody(t.userKey, `/v1/jobs/${job.id}`)) as Record<string, unknown>;
    expect(deleted).toMatchObject({
      deleted_at: expect.any(String),
      input: null,
      metadata: null,
      webhook_url: null,
      status: "succeeded",
    });
    expect((deleted.result as { revised_prompt: unknown }).revised_prompt).toBeNull();
    // The history stays, as for any deleted job.
    expect(
      ((await getBody(t.userKey, `/v1/jobs/${job.id}/events`)) as { data: unknown[] }).data,
    ).toHaveLength(3);
  });

  it("takes a deleted job's content out of its archive line; the object's other jobs still read back", async () => {
    const t = await seedTenant(env.DB);
    const gone = await richJob(t);
    const kept = await richJob(t);
    const keptBefore = await getBody(t.userKey, `/v1/jobs/${kept.id}`);
    const tomb = await archive(gone.id);
    expect((await getJob(db, kept.id))?.archiveKey).toBe(tomb.archiveKey);
    const ref = { key: tomb.archiveKey!, offset: tomb.archiveOffset!, length: tomb.archiveLength! };
    const sizeBefore = (await env.IMAGES.head(ref.key))!.size;

    const res = await call(`/v1/jobs/${gone.id}`, { method: "DELETE", headers: authHeaders(t.userKey) });
    expect(res.status, await res.clone().text()).toBe(200);

    const line = await readArchivedLine(env.IMAGES, ref, gone.id);
    expect(line.job).toMatchObject({
      input: {},
      metadata: null,
      webhookUrl: null,
      revisedPrompt: null,
      errorMessage: null,
    });
    expect(line.job.events).toHaveLength(3);
    expect(JSON.stringify(line)).not.toContain("a seeded test job");
    expect((await env.IMAGES.head(ref.key))!.size).toBe(sizeBefore);
    expect(await getBody(t.userKey, `/v1/jobs/${kept.id}`)).toEqual(keptBefore);
    // A second DELETE answers the tombstone again and leaves the object as it is.
    const etag = (await env.IMAGES.head(ref.key))!.etag;
    expect(
      (await call(`/v1/jobs/${gone.id}`, { method: "DELETE", headers: authHeaders(t.userKey) })).status,
    ).toBe(200);
    expect((await env.IMAGES.head(ref.key))!.etag).toBe(etag);
  });

  it("answers GET /v1/jobs/{id}/webhooks from the archive with the list of before", async () => {
    const t = await seedTenant(env.DB);
    const job = await richJob(t);
    const attempt = {
      attempt: 1,
      url: "https://hooks.example.com/genqueue",
      statusCode: 204,
      durationMs: 12,
      error: null,
      nextAttemptAt: null,
      createdAt: job.createdAt,
    };
    for (const version of [1, 3]) {
      await env.DB.prepare(
        `INSERT INTO webhook_events (id, job_id, instance_id, project_id, type, job_version, url, body, status, attempts, attempt_log, created_at, delivered_at)
         VALUES (?, ?, ?, ?, 'job.succeeded', ?, 'https://hooks.example.com/genqueue', '{}', 'delivered', 1, ?, ?, ?)`,
      )
        .bind(
          `msg_${version}_${job.id}`,
          job.id,
          t.instanceId,
          job.projectId,
          version,
          JSON.stringify([attempt]),
          job.createdAt + version,
          job.createdAt + version,
        )
        .run();
    }
    const before = (await getBody(t.userKey, `/v1/jobs/${job.id}/webhooks`)) as { data: unknown[] };
    expect(before.data).toHaveLength(2);

    await archive(job.id);
    const [left] = await rows<{ n: number }>(
      "SELECT count(*) AS n FROM webhook_events WHERE job_id = ?",
      job.id,
    );
    expect(left?.n).toBe(0);

    expect(await getBody(t.userKey, `/v1/jobs/${job.id}/webhooks`)).toEqual(before);
  });

  it("lists an archived job as its tombstone: GET /v1/jobs shows no input, GET of the job does", async () => {
    const t = await seedTenant(env.DB);
    const job = await richJob(t);
    await archive(job.id);

    const list = (await getBody(t.userKey, "/v1/jobs")) as { data: Record<string, unknown>[] };
    const item = list.data.find((j) => j.id === job.id);
    expect(item).toMatchObject({ status: "succeeded", input: null, metadata: null, webhook_url: null });
    expect(await getBody(t.userKey, `/v1/jobs/${job.id}`)).toMatchObject({
      input: job.input,
      metadata: { order: "A-1" },
    });
  });

  it("answers 503 service_unavailable when the archive cannot be read", async () => {
    const t = await seedTenant(env.DB);
    const job = await richJob(t);
    const tomb = await archive(job.id);
    await env.IMAGES.delete(tomb.archiveKey!);

    await expectProblem(await call(`/v1/jobs/${job.id}`, getInit(t.userKey)), 503, "service_unavailable");
    await expectProblem(
      await call(`/v1/jobs/${job.id}/events`, getInit(t.userKey)),
      503,
      "service_unavailable",
    );
  });

  it("is a 404 for a key of another instance, as before archiving", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedTenant(env.DB);
    const job = await richJob(t);
    await archive(job.id);

    await expectProblem(await call(`/v1/jobs/${job.id}`, getInit(other.userKey)), 404, "job_not_found");
    await expectProblem(
      await call(`/v1/jobs/${job.id}/events`, getInit(other.userKey)),
      404,
      "job_not_found",
    );
  });
});

describe("archive_after_days", () => {
  const patch = (t: SeededTenant, body: unknown) =>
    call(`/v1/admin/instances/${t.instanceId}`, {
      method: "PATCH",
      headers: { ...authHeaders(t.adminKey), "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("is 30 by default and set per instance by an admin, audited", async () => {
    const t = await seedTenant(env.DB);
    expect(await getBody(t.adminKey, `/v1/admin/instances/${t.instanceId}`)).toMatchObject({
      archive_after_days: 30,
    });

    const res = await patch(t, { archive_after_days: 7 });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ archive_after_days: 7 });
    const [row] = await rows<{ days: number }>(
      "SELECT archive_after_days AS days FROM instances WHERE id = ?",
      t.instanceId,
    );
    expect(row?.days).toBe(7);
    const [audit] = await rows<{ before: string; after: string }>(
      "SELECT before, after FROM audit_log WHERE resource_id = ? AND action = 'instance.update'",
      t.instanceId,
    );
    expect(JSON.parse(audit!.before)).toMatchObject({ archive_after_days: 30 });
    expect(JSON.parse(audit!.after)).toMatchObject({ archive_after_days: 7 });
  });

  it.each([0, 3651, 1.5, null, "7"])(
    "answers 400 validation_failed for %s and changes nothing",
    async (days) => {
      const t = await seedTenant(env.DB);
      const problem = await expectProblem(
        await patch(t, { archive_after_days: days }),
        400,
        "validation_failed",
      );
      expect(problem.errors?.map((e) => e.path)).toEqual(["archive_after_days"]);
      const [row] = await rows<{ days: number }>(
        "SELECT archive_after_days AS days FROM instances WHERE id = ?",
        t.instanceId,
      );
      expect(row?.days).toBe(30);
    },
  );
});
