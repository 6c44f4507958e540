import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { JobMessageSchema } from "../../shared/jobs/message";
import { type Job, JobSchema } from "../../shared/jobs/schemas";
import { authHeaders, seedJob, seedJobImage, seedProject, seedTenant } from "../support/tenant";
import {
  call,
  callWith,
  countJobs,
  createJobViaApi,
  expectProblem,
  getInit,
  jobBody,
  postInit,
  queueSpy,
  rows,
} from "./helpers";

interface JobList {
  object: "list";
  data: Job[];
  next_cursor: string | null;
}

async function listPage(key: string, query = ""): Promise<JobList> {
  const res = await call(`/v1/jobs${query}`, getInit(key));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as JobList;
}

describe("POST /v1/jobs", () => {
  it("answers 202 with the queued job, a Location header and the request id", async () => {
    const t = await seedTenant(env.DB);
    const before = Date.now();
    const res = await call("/v1/jobs", postInit(t.userKey, jobBody({ metadata: { order: "A-1001" } })));

    expect(res.status).toBe(202);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toMatch(/^req_[0-9a-z]{20}$/);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    const job = (await res.json()) as Job;
    expect(job.id).toMatch(/^job_[0-9a-z]{20}$/);
    expect(res.headers.get("location")).toBe(`/v1/jobs/${job.id}`);
    expect(job).toEqual({
      id: job.id,
      object: "job",
      type: "image.generate",
      status: "queued",
      provider: null,
      project_id: t.projectId,
      workflow_id: null,
      attempts: 0,
      input: { prompt: "a lighthouse at dusk, watercolor", aspect_ratio: "1x1", num_images: 1 },
      metadata: { order: "A-1001" },
      fallback_providers: null,
      webhook_url: null,
      webhook_events: null,
      error: null,
      result: null,
      cancel_requested: false,
      request_id: requestId,
      created_at: expect.any(String),
      started_at: null,
      completed_at: null,
      images_removed_at: null,
      deleted_at: null,
    });
    expect(Date.parse(job.created_at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(job.created_at)).toBeLessThanOrEqual(Date.now());
    expect(JobSchema.safeParse(job).success).toBe(true);
  });

  it("keeps every optional field as sent and trims the prompt", async () => {
    const t = await seedTenant(env.DB);
    const job = await createJobViaApi(t.userKey, {
      type: "image.generate",
      input: {
        prompt: "  a red fox in snow  ",
        negative_prompt: "text",
        aspect_ratio: "16x9",
        seed: 42,
        num_images: 4,
      },
      provider: "demo",
      fallback_providers: ["openai", "replicate"],
      webhook_url: "https://example.com/hooks/genqueue",
      webhook_events: ["job.started", "job.failed"],
      metadata: { a: "1", b: "" },
    });
    expect(job).toMatchObject({
      provider: "demo",
      input: {
        prompt: "a red fox in snow",
        negative_prompt: "text",
        aspect_ratio: "16x9",
        seed: 42,
        num_images: 4,
      },
      fallback_providers: ["openai", "replicate"],
      webhook_url: "https://example.com/hooks/genqueue",
      webhook_events: ["job.started", "job.failed"],
      metadata: { a: "1", b: "" },
    });
  });

  it("accepts an http://localhost webhook in the test environment", async () => {
    const t = await seedTenant(env.DB);
    const job = await createJobViaApi(t.userKey, jobBody({ webhook_url: "http://localhost:8788/hook" }));
    expect(job.webhook_url).toBe("http://localhost:8788/hook");
  });

  it("lets an instance-wide key create a job in a project it names", async () => {
    const t = await seedTenant(env.DB);
    const job = await createJobViaApi(t.instanceWideKey, jobBody({ project_id: t.projectId }));
    expect(job.project_id).toBe(t.projectId);
  });

  it("writes the job row and its version-1 queued event", async () => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", postInit(t.userKey, jobBody()));
    expect(res.status).toBe(202);
    const job = (await res.json()) as Job;
    const requestId = res.headers.get("x-request-id");

    const [row] = await rows("SELECT * FROM jobs WHERE id = ?", job.id);
    expect(row).toMatchObject({
      instance_id: t.instanceId,
      project_id: t.projectId,
      api_key_id: t.keyIds.user,
      status: "queued",
      version: 1,
      attempts: 0,
      request_id: requestId,
    });
    expect(JSON.parse(String(row?.input))).toEqual(job.input);
    expect(JSON.parse(String(row?.events))).toEqual([
      {
        version: 1,
        type: "queued",
        status: "queued",
        data: { request_id: requestId },
        createdAt: Date.parse(job.created_at),
      },
    ]);
    expect(await countJobs(t.instanceId)).toBe(1);
  });

  it("sends exactly one queue message naming the job, tenant and request", async () => {
    const t = await seedTenant(env.DB);
    const spy = queueSpy();
    const res = await callWith({ JOBS: spy.queue }, "/v1/jobs", postInit(t.userKey, jobBody()));
    expect(res.status).toBe(202);
    const job = (await res.json()) as Job;

    expect(spy.sent).toEqual([
      {
        v: 1,
        kind: "job",
        job_id: job.id,
        instance_id: t.instanceId,
        project_id: t.projectId,
        request_id: res.headers.get("x-request-id"),
        attempt: 0,
      },
    ]);
    expect(JobMessageSchema.safeParse(spy.sent[0]).success).toBe(true);
  });
});

describe("GET /v1/jobs/{id}", () => {
  it("returns the job as it was created", async () => {
    const t = await seedTenant(env.DB);
    const created = await createJobViaApi(t.userKey);
    const res = await call(`/v1/jobs/${created.id}`, getInit(t.userKey));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    expect(await res.json()).toEqual(created);
  });

  it("shows a succeeded job's images as download links", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, {
      status: "succeeded",
      overrides: { model: "demo-1", costUsd: 0.01 },
    });
    await seedJobImage(env, job.id, { index: 0, bytes: new Uint8Array([1, 2, 3]), contentType: "image/png" });
    const res = await call(`/v1/jobs/${job.id}`, getInit(t.userKey));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Job;
    expect(body.status).toBe("succeeded");
    expect(body.result).toEqual({
      images: [
        {
          url: `/v1/jobs/${job.id}/images/0`,
          // No PROVIDER_KEYS_MASTER_KEY in this env: no signed URL (test/producer/images-signed.test.ts).
          signed_url: null,
          signed_url_expires_at: null,
          content_type: "image/png",
          width: 64,
          height: 64,
          bytes: 3,
          seed: null,
        },
      ],
      model: "demo-1",
      revised_prompt: null,
      text: null,
      usage: null,
      cost_usd: 0.01,
    });
  });
});

describe("GET /v1/jobs", () => {
  it("lists jobs newest first", async () => {
    const t = await seedTenant(env.DB);
    const base = Date.now() - 60_000;
    const seeded = [];
    for (let i = 0; i < 4; i++) seeded.push(await seedJob(env.DB, t, { createdAt: base + i * 1000 }));
    const page = await listPage(t.userKey);
    expect(page.object).toBe("list");
    expect(page.data.map((j) => j.id)).toEqual(seeded.map((j) => j.id).reverse());
    expect(page.next_cursor).toBeNull();
  });

  it("filters by status", async () => {
    const t = await seedTenant(env.DB);
    const succeeded = await seedJob(env.DB, t, { status: "succeeded" });
    await seedJob(env.DB, t, { status: "queued" });
    await seedJob(env.DB, t, { status: "failed" });
    const page = await listPage(t.userKey, "?status=succeeded");
    expect(page.data.map((j) => [j.id, j.status])).toEqual([[succeeded.id, "succeeded"]]);
    const queued = await listPage(t.userKey, "?status=queued");
    expect(queued.data.map((j) => j.status)).toEqual(["queued"]);
  });

  it("filters by provider, project and created time, and a project-bound key never leaves its project", async () => {
    const t = await seedTenant(env.DB);
    const { projectId: other } = await seedProject(env.DB, t);
    const base = Date.now() - 60_000;
    const old = await seedJob(env.DB, t, { createdAt: base, overrides: { provider: "openai" } });
    const recent = await seedJob(env.DB, t, {
      createdAt: base + 10_000,
      overrides: { provider: "ideogram" },
    });
    const elsewhere = await seedJob(env.DB, t, {
      projectId: other,
      createdAt: base + 20_000,
      overrides: { provider: "ideogram" },
    });
    const ids = async (key: string, query: string) => (await listPage(key, query)).data.map((j) => j.id);
    const iso = (ms: number) => new Date(ms).toISOString();

    expect(await ids(t.instanceWideKey, "?provider=ideogram")).toEqual([elsewhere.id, recent.id]);
    expect(await ids(t.instanceWideKey, `?project_id=${other}`)).toEqual([elsewhere.id]);
    expect(await ids(t.instanceWideKey, `?created_after=${iso(base + 10_000)}`)).toEqual([
      elsewhere.id,
      recent.id,
    ]);
    expect(await ids(t.instanceWideKey, `?created_before=${iso(base + 10_000)}`)).toEqual([old.id]);
    expect(
      await ids(
        t.instanceWideKey,
        `?provider=ideogram&created_after=${iso(base + 5_000)}&created_before=${iso(base + 15_000)}`,
      ),
    ).toEqual([recent.id]);
    // The project-bound key asking for another project's jobs gets none, not that project's.
    expect(await ids(t.userKey, `?project_id=${other}`)).toEqual([]);
    await expectProblem(await call("/v1/jobs?provider=nope", getInit(t.userKey)), 400, "validation_failed");
    await expectProblem(
      await call("/v1/jobs?created_after=yesterday", getInit(t.userKey)),
      400,
      "validation_failed",
    );
  });

  it("pages through 5 jobs 2 at a time without duplicates or gaps, ties included", async () => {
    const t = await seedTenant(env.DB);
    const base = Date.now() - 60_000;
    // Two pairs share a created_at: the cursor must break ties by id.
    const times = [base, base + 1000, base + 1000, base + 2000, base + 2000];
    const seeded = [];
    for (const createdAt of times) seeded.push(await seedJob(env.DB, t, { createdAt }));
    const expected = [...seeded]
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      .map((j) => j.id);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await listPage(t.userKey, query);
      pages.push(page.data.map((j) => j.id));
      cursor = page.next_cursor;
    } while (cursor && pages.length < 10);

    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(expected);
    expect(new Set(pages.flat()).size).toBe(5);
  });

  it("answers 400 for a limit above 100", async () => {
    const t = await seedTenant(env.DB);
    const problem = await expectProblem(
      await call("/v1/jobs?limit=101", getInit(t.userKey)),
      400,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(["query.limit"]);
    expect((await listPage(t.userKey, "?limit=100")).data).toEqual([]);
  });
});

describe("GET /v1/jobs/{id}/events", () => {
  it("returns the queued event of a new job", async () => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", postInit(t.userKey, jobBody()));
    const job = (await res.json()) as Job;
    const events = await call(`/v1/jobs/${job.id}/events`, getInit(t.userKey));
    expect(events.status).toBe(200);
    expect(await events.json()).toEqual({
      object: "list",
      job_id: job.id,
      data: [
        {
          version: 1,
          type: "queued",
          status: "queued",
          data: { request_id: res.headers.get("x-request-id") },
          created_at: job.created_at,
        },
      ],
    });
  });

  it("returns the history oldest first", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "succeeded", overrides: { version: 3 } });
    // seedJob wrote version 3 (succeeded); put the earlier ones before it.
    const earlier = [
      { version: 1, type: "queued", status: "queued", data: null, createdAt: job.createdAt - 2000 },
      { version: 2, type: "running", status: "running", data: null, createdAt: job.createdAt - 1000 },
    ];
    await env.DB.prepare("UPDATE jobs SET events = ? WHERE id = ?")
      .bind(JSON.stringify([...earlier, ...job.events]), job.id)
      .run();
    const res = await call(`/v1/jobs/${job.id}/events`, getInit(t.userKey));
    const body = (await res.json()) as { data: { version: number; type: string }[] };
    expect(body.data.map((e) => [e.version, e.type])).toEqual([
      [1, "queued"],
      [2, "running"],
      [3, "succeeded"],
    ]);
  });
});

describe("GET /v1/jobs/{id}/images/{n}", () => {
  it("downloads each image with its content type and bytes", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "succeeded" });
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7, 7, 7]);
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2]);
    await seedJobImage(env, job.id, { index: 0, bytes: png, contentType: "image/png" });
    await seedJobImage(env, job.id, { index: 1, bytes: jpeg, contentType: "image/jpeg" });

    const first = await call(`/v1/jobs/${job.id}/images/0`, getInit(t.userKey));
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("image/png");
    expect(first.headers.get("content-length")).toBe(String(png.byteLength));
    expect(first.headers.get("x-request-id")).toMatch(/^req_/);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(png);

    const second = await call(`/v1/jobs/${job.id}/images/1`, { headers: authHeaders(t.userKey) });
    expect(second.status).toBe(200);
    expect(second.headers.get("content-type")).toBe("image/jpeg");
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(jpeg);
  });
});

describe("operations", () => {
  it("GET /health answers 200 with d1, r2 and the queues ok, without a key", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    // Every component in detail: health.test.ts.
    expect(await res.json()).toMatchObject({
      status: "ok",
      checks: {
        d1: { ok: true, latency_ms: expect.any(Number) },
        r2: { ok: true, latency_ms: expect.any(Number) },
        jobs_queue: { ok: true },
        webhooks_queue: { ok: true },
      },
    });
  });

  it("GET /openapi.json serves the OpenAPI 3.1 document of the jobs API", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/health",
        "/v1/jobs",
        "/v1/jobs/{id}",
        "/v1/jobs/{id}/events",
        "/v1/jobs/{id}/images/{n}",
      ]),
    );
    expect(Object.keys(doc.paths["/v1/jobs"] ?? {}).sort()).toEqual(["get", "post"]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("GET /docs serves the API reference page pointing at /openapi.json", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain("/openapi.json");
  });
});
