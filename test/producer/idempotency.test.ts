import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Job } from "../../shared/jobs/schemas";
import { seedKey, seedTenant } from "../support/tenant";
import { call, callWith, countJobs, expectProblem, jobBody, postInit, queueSpy, rows } from "./helpers";

const idem = (key: string) => ({ "idempotency-key": key });

async function idempotencyRows(apiKeyId: string) {
  return rows<{ key: string; job_id: string | null; response_status: number | null }>(
    "SELECT key, job_id, response_status FROM idempotency_keys WHERE api_key_id = ?",
    apiKeyId,
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Idempotency-Key on POST /v1/jobs", () => {
  it("replays the first answer for the same key and body: one job, one queue message", async () => {
    const t = await seedTenant(env.DB);
    const spy = queueSpy();
    const init = () => postInit(t.userKey, jobBody({ metadata: { order: "A-1" } }), idem("order-1"));

    const first = await callWith({ JOBS: spy.queue }, "/v1/jobs", init());
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const job = (await first.json()) as Job;

    const second = await callWith({ JOBS: spy.queue }, "/v1/jobs", init());
    expect(second.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.headers.get("location")).toBe(`/v1/jobs/${job.id}`);
    expect(second.headers.get("link")).toBe(`</v1/jobs/${job.id}>; rel="current"`);
    expect(second.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
    expect(await second.json()).toEqual(job);

    expect(await countJobs(t.instanceId)).toBe(1);
    expect(spy.sent).toHaveLength(1);
    expect(spy.attempts()).toBe(1);
    expect(spy.sent[0]).toMatchObject({ job_id: job.id });
    expect(await idempotencyRows(t.keyIds.user)).toEqual([
      { key: "order-1", job_id: job.id, response_status: 202 },
    ]);
  });

  it("treats the same body with keys in another order as the same request", async () => {
    const t = await seedTenant(env.DB);
    const a =
      '{"type":"image.generate","input":{"prompt":"fox","num_images":2,"aspect_ratio":"4x3"},"metadata":{"x":"1","y":"2"}}';
    const b =
      '{"metadata":{"y":"2","x":"1"},"input":{"aspect_ratio":"4x3","num_images":2,"prompt":"fox"},"type":"image.generate"}';
    const first = await call("/v1/jobs", postInit(t.userKey, a, idem("reordered")));
    const second = await call("/v1/jobs", postInit(t.userKey, b, idem("reordered")));
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(((await second.json()) as Job).id).toBe(((await first.json()) as Job).id);
    expect(await countJobs(t.instanceId)).toBe(1);
  });

  it("answers 422 idempotency_key_reused for the same key with another body", async () => {
    const t = await seedTenant(env.DB);
    const spy = queueSpy();
    const first = await callWith(
      { JOBS: spy.queue },
      "/v1/jobs",
      postInit(t.userKey, jobBody(), idem("k-1")),
    );
    expect(first.status).toBe(202);
    const other = jobBody({ input: { prompt: "something else" } });
    await expectProblem(
      await callWith({ JOBS: spy.queue }, "/v1/jobs", postInit(t.userKey, other, idem("k-1"))),
      422,
      "idempotency_key_reused",
    );
    expect(await countJobs(t.instanceId)).toBe(1);
    expect(spy.sent).toHaveLength(1);
  });

  it('treats the sf-string form "abc" and the bare form abc as one key', async () => {
    const t = await seedTenant(env.DB);
    const first = await call("/v1/jobs", postInit(t.userKey, jobBody(), idem('"abc"')));
    const second = await call("/v1/jobs", postInit(t.userKey, jobBody(), idem("abc")));
    expect(first.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(((await second.json()) as Job).id).toBe(((await first.json()) as Job).id);
    expect((await idempotencyRows(t.keyIds.user)).map((r) => r.key)).toEqual(["abc"]);
  });

  it.each([
    ["empty", ""],
    ["an empty quoted string", '""'],
    ["256 characters", "k".repeat(256)],
    ["non-ASCII", "clé-1"],
    ["a space inside", "two words"],
    ["a quote inside", 'a"b'],
  ])("answers 400 idempotency_key_invalid for a key that is %s, creating nothing", async (_name, key) => {
    const t = await seedTenant(env.DB);
    await expectProblem(
      await call("/v1/jobs", postInit(t.userKey, jobBody(), idem(key))),
      400,
      "idempotency_key_invalid",
    );
    expect(await countJobs(t.instanceId)).toBe(0);
    expect(await idempotencyRows(t.keyIds.user)).toEqual([]);
  });

  it("accepts a key of exactly 255 visible ASCII characters", async () => {
    const t = await seedTenant(env.DB);
    const key = `${"!~".repeat(127)}z`;
    expect(key).toHaveLength(255);
    const res = await call("/v1/jobs", postInit(t.userKey, jobBody(), idem(key)));
    expect(res.status).toBe(202);
  });

  it("scopes keys per API key: another key with the same Idempotency-Key creates a new job", async () => {
    const t = await seedTenant(env.DB);
    const second = await seedKey(env.DB, { instanceId: t.instanceId, projectId: t.projectId });
    const a = await call("/v1/jobs", postInit(t.userKey, jobBody(), idem("shared")));
    const b = await call("/v1/jobs", postInit(second.key, jobBody(), idem("shared")));
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect(((await b.json()) as Job).id).not.toBe(((await a.json()) as Job).id);
    expect(await countJobs(t.instanceId)).toBe(2);
  });

  it("lets an expired key be used again, even with another body", async () => {
    const t = await seedTenant(env.DB);
    const first = (await (await call("/v1/jobs", postInit(t.userKey, jobBody(), idem("old")))).json()) as Job;
    await env.DB.prepare("UPDATE idempotency_keys SET expires_at = ? WHERE api_key_id = ?")
      .bind(Date.now() - 1, t.keyIds.user)
      .run();
    const res = await call(
      "/v1/jobs",
      postInit(t.userKey, jobBody({ input: { prompt: "new" } }), idem("old")),
    );
    expect(res.status).toBe(202);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    const second = (await res.json()) as Job;
    expect(second.id).not.toBe(first.id);
    expect(await idempotencyRows(t.keyIds.user)).toEqual([
      { key: "old", job_id: second.id, response_status: 202 },
    ]);
  });

  it("answers 409 idempotency_key_in_progress while the first request has no answer yet", async () => {
    const t = await seedTenant(env.DB);
    // The first request claimed the key with this body's fingerprint and has not finished.
    const first = await call("/v1/jobs", postInit(t.userKey, jobBody(), idem("busy")));
    expect(first.status).toBe(202);
    await env.DB.prepare(
      "UPDATE idempotency_keys SET response_status = NULL, response_body = NULL, job_id = NULL WHERE api_key_id = ?",
    )
      .bind(t.keyIds.user)
      .run();
    await expectProblem(
      await call("/v1/jobs", postInit(t.userKey, jobBody(), idem("busy"))),
      409,
      "idempotency_key_in_progress",
    );
    expect(await countJobs(t.instanceId)).toBe(1);
  });

  it("does not spend the key on a request that failed validation", async () => {
    const t = await seedTenant(env.DB);
    const bad = await call("/v1/jobs", postInit(t.userKey, jobBody({ input: { prompt: "" } }), idem("v")));
    await expectProblem(bad, 400, "validation_failed");
    const good = await call("/v1/jobs", postInit(t.userKey, jobBody(), idem("v")));
    expect(good.status).toBe(202);
    expect(good.headers.get("idempotent-replayed")).toBeNull();
  });

  it("frees the key when the job is refused after the claim (webhook_url_invalid)", async () => {
    const t = await seedTenant(env.DB);
    const refused = postInit(t.userKey, jobBody({ webhook_url: "https://10.0.0.1/x" }), idem("w"));
    await expectProblem(await call("/v1/jobs", refused), 400, "webhook_url_invalid");
    expect(await idempotencyRows(t.keyIds.user)).toEqual([]);
    const res = await call("/v1/jobs", postInit(t.userKey, jobBody(), idem("w")));
    expect(res.status).toBe(202);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
  });

  it("answers 503 queue_unavailable when the send fails, leaves nothing behind, and the retry succeeds", async () => {
    const t = await seedTenant(env.DB);
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const down = queueSpy("fail");
    const failed = await callWith(
      { JOBS: down.queue },
      "/v1/jobs",
      postInit(t.userKey, jobBody(), idem("retry-me")),
    );
    await expectProblem(failed, 503, "queue_unavailable");
    expect(down.attempts()).toBe(1);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('"msg":"enqueue failed"'));
    expect(logged).toHaveBeenCalledWith(expect.stringContaining(failed.headers.get("x-request-id") ?? "?"));
    expect(await countJobs(t.instanceId)).toBe(0);
    expect(await idempotencyRows(t.keyIds.user)).toEqual([]);

    const up = queueSpy();
    const retried = await callWith(
      { JOBS: up.queue },
      "/v1/jobs",
      postInit(t.userKey, jobBody(), idem("retry-me")),
    );
    expect(retried.status).toBe(202);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    const job = (await retried.json()) as Job;
    expect(up.sent).toEqual([
      expect.objectContaining({ job_id: job.id, instance_id: t.instanceId, attempt: 0 }),
    ]);
    expect(await countJobs(t.instanceId)).toBe(1);

    // A replay answers from the record alone: it neither needs nor touches the queue.
    const replay = await callWith(
      { JOBS: down.queue },
      "/v1/jobs",
      postInit(t.userKey, jobBody(), idem("retry-me")),
    );
    expect(replay.status).toBe(202);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(down.attempts()).toBe(1);
  });

  it("answers 503 without a key too, and leaves no job row", async () => {
    const t = await seedTenant(env.DB);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const down = queueSpy("fail");
    await expectProblem(
      await callWith({ JOBS: down.queue }, "/v1/jobs", postInit(t.userKey, jobBody())),
      503,
      "queue_unavailable",
    );
    expect(await countJobs(t.instanceId)).toBe(0);
  });
});
