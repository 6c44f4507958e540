import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../shared/errors";
import { type SeededTenant, authHeaders, seedJob, seedJobImage, seedTenant } from "../support/tenant";
import { call, countJobs, createJobViaApi, expectProblem, getInit, jobBody, postInit } from "./helpers";

const MAX_BODY_BYTES = Number(env.MAX_BODY_BYTES);
const input = (extra: Record<string, unknown>) => ({ prompt: "a lighthouse", ...extra });

interface BodyCase {
  name: string;
  /** A JSON-serialisable body, or a raw string sent as is. */
  body: unknown;
  code: ErrorCode;
  /** The field `errors[].path` must name, for validation failures. */
  path?: string;
}

const invalidBodies: BodyCase[] = [
  { name: "malformed JSON", body: '{"type": "image.generate", "input": {', code: "malformed_json" },
  { name: "whitespace instead of JSON", body: "   ", code: "malformed_json" },
  { name: "a JSON null", body: "null", code: "validation_failed", path: "(body)" },
  { name: "a JSON array", body: "[]", code: "validation_failed", path: "(body)" },
  { name: "a JSON string", body: '"hello"', code: "validation_failed", path: "(body)" },
  { name: "an empty object", body: {}, code: "validation_failed", path: "type" },
  {
    name: "an unknown type",
    body: jobBody({ type: "video.generate" }),
    code: "validation_failed",
    path: "type",
  },
  { name: "a missing input", body: { type: "image.generate" }, code: "validation_failed", path: "input" },
  {
    name: "an empty prompt",
    body: jobBody({ input: input({ prompt: "" }) }),
    code: "validation_failed",
    path: "input.prompt",
  },
  {
    name: "a whitespace-only prompt",
    body: jobBody({ input: input({ prompt: " \t\n " }) }),
    code: "validation_failed",
    path: "input.prompt",
  },
  {
    name: "a prompt of 4001 characters",
    body: jobBody({ input: input({ prompt: "p".repeat(4001) }) }),
    code: "validation_failed",
    path: "input.prompt",
  },
  {
    name: "a prompt that is not a string",
    body: jobBody({ input: input({ prompt: 42 }) }),
    code: "validation_failed",
    path: "input.prompt",
  },
  {
    name: "an aspect_ratio outside the enum",
    body: jobBody({ input: input({ aspect_ratio: "5x7" }) }),
    code: "validation_failed",
    path: "input.aspect_ratio",
  },
  {
    name: "num_images 0",
    body: jobBody({ input: input({ num_images: 0 }) }),
    code: "validation_failed",
    path: "input.num_images",
  },
  {
    name: "num_images 5",
    body: jobBody({ input: input({ num_images: 5 }) }),
    code: "validation_failed",
    path: "input.num_images",
  },
  {
    name: "num_images as a string",
    body: jobBody({ input: input({ num_images: "2" }) }),
    code: "validation_failed",
    path: "input.num_images",
  },
  {
    name: "a negative seed",
    body: jobBody({ input: input({ seed: -1 }) }),
    code: "validation_failed",
    path: "input.seed",
  },
  {
    name: "a float seed",
    body: jobBody({ input: input({ seed: 1.5 }) }),
    code: "validation_failed",
    path: "input.seed",
  },
  {
    name: "an infinite seed",
    body: '{"type":"image.generate","input":{"prompt":"x","seed":1e400}}',
    code: "validation_failed",
    path: "input.seed",
  },
  {
    name: "an unknown top-level field",
    body: jobBody({ priority: "high" }),
    code: "validation_failed",
    path: "(body)",
  },
  {
    name: "an unknown input field",
    body: jobBody({ input: input({ steps: 30 }) }),
    code: "validation_failed",
    path: "input",
  },
  {
    name: "a __proto__ field",
    body: '{"__proto__":{"admin":true},"type":"image.generate","input":{"prompt":"x"}}',
    code: "validation_failed",
    path: "(body)",
  },
  {
    name: "metadata with a non-string value",
    body: jobBody({ metadata: { order: 1001 } }),
    code: "validation_failed",
    path: "metadata.order",
  },
  {
    name: "metadata with 33 entries",
    body: jobBody({ metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])) }),
    code: "validation_failed",
    path: "metadata",
  },
  {
    name: "an unknown provider",
    body: jobBody({ provider: "dalle" }),
    code: "validation_failed",
    path: "provider",
  },
  {
    name: "a repeated fallback provider",
    body: jobBody({ fallback_providers: ["demo", "demo"] }),
    code: "validation_failed",
    path: "fallback_providers",
  },
  {
    name: "an unknown webhook event",
    body: jobBody({ webhook_events: ["job.exploded"] }),
    code: "validation_failed",
    path: "webhook_events.0",
  },
  {
    name: "a webhook_url that is not a URL",
    body: jobBody({ webhook_url: "not a url" }),
    code: "validation_failed",
    path: "webhook_url",
  },
  {
    name: "a plain-http webhook_url",
    body: jobBody({ webhook_url: "http://example.com/hook" }),
    code: "webhook_url_invalid",
    path: "webhook_url",
  },
  {
    name: "a private-IP webhook_url",
    body: jobBody({ webhook_url: "http://10.0.0.1/x" }),
    code: "webhook_url_invalid",
    path: "webhook_url",
  },
  {
    name: "a private-IP https webhook_url",
    body: jobBody({ webhook_url: "https://10.0.0.1/x" }),
    code: "webhook_url_invalid",
    path: "webhook_url",
  },
  {
    name: "the cloud metadata address as webhook_url",
    body: jobBody({ webhook_url: "https://169.254.169.254/latest/meta-data" }),
    code: "webhook_url_invalid",
    path: "webhook_url",
  },
  {
    name: "an ftp webhook_url",
    body: jobBody({ webhook_url: "ftp://example.com/hook" }),
    code: "webhook_url_invalid",
    path: "webhook_url",
  },
  {
    name: "a webhook_url with credentials",
    body: jobBody({ webhook_url: "https://user:pass@example.com/hook" }),
    code: "webhook_url_invalid",
    path: "webhook_url",
  },
  {
    name: "a project_id other than the key's own",
    body: jobBody({ project_id: "prj_someoneelse0000000" }),
    code: "validation_failed",
    path: "project_id",
  },
];

describe("POST /v1/jobs rejects bad input with a 4xx problem and creates nothing", () => {
  it.each(invalidBodies)("$name -> 400 $code", async ({ body, code, path }) => {
    const t = await seedTenant(env.DB);
    const problem = await expectProblem(await call("/v1/jobs", postInit(t.userKey, body)), 400, code);
    if (path) expect(problem.errors?.map((e) => e.path)).toContain(path);
    expect(await countJobs(t.instanceId)).toBe(0);
  });

  it("names the unknown field in the strict-mode error", async () => {
    const t = await seedTenant(env.DB);
    const problem = await expectProblem(
      await call("/v1/jobs", postInit(t.userKey, jobBody({ priority: "high" }))),
      400,
      "validation_failed",
    );
    expect(problem.detail).toContain("priority");
  });

  it("accepts the boundary values next to the rejected ones", async () => {
    const t = await seedTenant(env.DB);
    const job = await createJobViaApi(
      t.userKey,
      jobBody({
        input: input({ prompt: "p".repeat(4000), num_images: 4, seed: 0 }),
        metadata: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, "v"])),
      }),
    );
    expect(job.input).toMatchObject({ num_images: 4, seed: 0 });
    expect(job.input).toHaveProperty("prompt", "p".repeat(4000));
    await createJobViaApi(t.userKey, jobBody({ input: input({ num_images: 1, seed: 2_147_483_647 }) }));
  });
});

describe("POST /v1/jobs body framing", () => {
  const authed = (t: SeededTenant, headers: Record<string, string> = {}) => ({
    ...authHeaders(t.userKey),
    ...headers,
  });

  it("answers 415 for a JSON text sent as text/plain", async () => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", {
      method: "POST",
      headers: authed(t, { "content-type": "text/plain" }),
      body: JSON.stringify(jobBody()),
    });
    await expectProblem(res, 415, "unsupported_media_type");
  });

  it("answers 415 for a form body", async () => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", {
      method: "POST",
      headers: authed(t, { "content-type": "application/x-www-form-urlencoded" }),
      body: "type=image.generate",
    });
    await expectProblem(res, 415, "unsupported_media_type");
  });

  it("answers 415, not 400, for a +json type the validator does not take", async () => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", {
      method: "POST",
      headers: authed(t, { "content-type": "application/vnd.a+b+json" }),
      body: JSON.stringify(jobBody()),
    });
    await expectProblem(res, 415, "unsupported_media_type");
  });

  it("accepts application/json with a charset", async () => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", {
      method: "POST",
      headers: authed(t, { "content-type": "application/json; charset=utf-8" }),
      body: JSON.stringify(jobBody()),
    });
    expect(res.status).toBe(202);
  });

  // A missing body is the same 400 malformed_json whatever the Content-Type says.
  it.each([
    ["no body and no content type", {}, undefined],
    ["no body with a JSON content type", { "content-type": "application/json" }, undefined],
    ["an empty string body", { "content-type": "application/json" }, ""],
    ["an empty stream and no content type", {}, "empty-stream"],
  ] as const)("answers 400 malformed_json for %s", async (_name, headers, body) => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", {
      method: "POST",
      headers: authed(t, headers),
      body: body === "empty-stream" ? new ReadableStream({ start: (c) => c.close() }) : body,
    });
    const problem = await expectProblem(res, 400, "malformed_json");
    expect(problem.detail).toMatch(/empty|Malformed JSON/);
  });

  const oversized = () => JSON.stringify(jobBody({ metadata: { pad: "x".repeat(MAX_BODY_BYTES) } }));

  it("answers 413 for a body over MAX_BODY_BYTES", async () => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", postInit(t.userKey, oversized()));
    await expectProblem(res, 413, "payload_too_large");
    expect(await countJobs(t.instanceId)).toBe(0);
  });

  it("answers 413 for an oversized stream sent without Content-Length", async () => {
    const t = await seedTenant(env.DB);
    const chunk = new TextEncoder().encode(" ".repeat(8192));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify(jobBody())));
        for (let sent = 0; sent <= MAX_BODY_BYTES; sent += chunk.byteLength) controller.enqueue(chunk);
        controller.close();
      },
    });
    const req = new Request("https://api.genqueue.test/v1/jobs", {
      method: "POST",
      headers: authed(t, { "content-type": "application/json" }),
      body: stream,
    });
    expect(req.headers.get("content-length")).toBeNull();
    await expectProblem(await exports.default.fetch(req), 413, "payload_too_large");
    expect(await countJobs(t.instanceId)).toBe(0);
  });

  it("answers 413 when the Content-Length lies about an oversized body", async () => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", {
      method: "POST",
      headers: authed(t, { "content-type": "application/json", "content-length": "100" }),
      body: oversized(),
    });
    await expectProblem(res, 413, "payload_too_large");
    expect(await countJobs(t.instanceId)).toBe(0);
  });

  it("accepts a valid body streamed without Content-Length", async () => {
    const t = await seedTenant(env.DB);
    const bytes = new TextEncoder().encode(JSON.stringify(jobBody()));
    const res = await call("/v1/jobs", {
      method: "POST",
      headers: authed(t, { "content-type": "application/json" }),
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(bytes.slice(0, 10));
          controller.enqueue(bytes.slice(10));
          controller.close();
        },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
  });
});

describe("POST /v1/jobs with an instance-wide key", () => {
  it("answers 400 without project_id", async () => {
    const t = await seedTenant(env.DB);
    const problem = await expectProblem(
      await call("/v1/jobs", postInit(t.instanceWideKey, jobBody())),
      400,
      "validation_failed",
    );
    expect(problem.errors).toEqual([{ path: "project_id", message: "required for this key" }]);
    expect(await countJobs(t.instanceId)).toBe(0);
  });

  it("answers 400 for a project of another instance", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedTenant(env.DB);
    const problem = await expectProblem(
      await call("/v1/jobs", postInit(t.instanceWideKey, jobBody({ project_id: other.projectId }))),
      400,
      "validation_failed",
    );
    expect(problem.errors).toEqual([{ path: "project_id", message: "unknown project" }]);
    expect(await countJobs(other.instanceId)).toBe(0);
  });
});

describe("routes and lookups", () => {
  it("answers 404 route_not_found for an unknown route, with or without a key", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(await call("/nope"), 404, "route_not_found");
    await expectProblem(await call("/v1/nope", getInit(t.userKey)), 404, "route_not_found");
    await expectProblem(await call("/v1/jobs/abc/nope", getInit(t.userKey)), 404, "route_not_found");
  });

  it("answers 405 method_not_allowed with an Allow header for a known path and a wrong method", async () => {
    const t = await seedTenant(env.DB);
    const onJob = await call("/v1/jobs/job_abc", postInit(t.userKey, {}));
    expect(onJob.headers.get("allow")).toBe("DELETE, GET, HEAD");
    await expectProblem(onJob, 405, "method_not_allowed");
    const onList = await call("/v1/jobs", { ...getInit(t.userKey), method: "DELETE" });
    expect(onList.headers.get("allow")).toBe("GET, HEAD, POST");
    await expectProblem(onList, 405, "method_not_allowed");
  });

  it("answers 404 job_not_found for an unknown job on every job route", async () => {
    const t = await seedTenant(env.DB);
    for (const path of [
      "/v1/jobs/job_doesnotexist00000000",
      "/v1/jobs/job_x/events",
      "/v1/jobs/job_x/images/0",
    ]) {
      await expectProblem(await call(path, getInit(t.userKey)), 404, "job_not_found");
    }
  });

  it("answers 400 for a job id longer than 64 characters", async () => {
    const t = await seedTenant(env.DB);
    const problem = await expectProblem(
      await call(`/v1/jobs/job_${"a".repeat(62)}`, getInit(t.userKey)),
      400,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(["param.id"]);
  });

  it("answers 404 image_not_found for an index past the job's images", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "succeeded" });
    await seedJobImage(env, job.id, { index: 0, bytes: new Uint8Array([1]), contentType: "image/png" });
    await expectProblem(
      await call(`/v1/jobs/${job.id}/images/1`, getInit(t.userKey)),
      404,
      "image_not_found",
    );
    expect((await call(`/v1/jobs/${job.id}/images/0`, getInit(t.userKey))).status).toBe(200);
  });

  it("answers 404 image_not_found for a job that has no images yet", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "running" });
    await expectProblem(
      await call(`/v1/jobs/${job.id}/images/0`, getInit(t.userKey)),
      404,
      "image_not_found",
    );
  });

  it("answers 404 image_not_found, not 5xx, when the image row has no R2 object", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "succeeded" });
    const r2Key = await seedJobImage(env, job.id, {
      index: 0,
      bytes: new Uint8Array([1]),
      contentType: "image/png",
    });
    await env.IMAGES.delete(r2Key);
    await expectProblem(
      await call(`/v1/jobs/${job.id}/images/0`, getInit(t.userKey)),
      404,
      "image_not_found",
    );
  });

  it.each(["64", "-1", "abc", "1.5"])("answers 400 for the image index %s", async (n) => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "succeeded" });
    const problem = await expectProblem(
      await call(`/v1/jobs/${job.id}/images/${n}`, getInit(t.userKey)),
      400,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(["param.n"]);
  });

  it.each([
    ["limit=0", "query.limit"],
    ["limit=abc", "query.limit"],
    ["status=exploded", "query.status"],
    ["cursor=%21%21%21", "query.cursor"],
    [`cursor=${btoa("no-colon")}`, "query.cursor"],
  ])("answers 400 for the list query %s", async (query, path) => {
    const t = await seedTenant(env.DB);
    const problem = await expectProblem(
      await call(`/v1/jobs?${query}`, getInit(t.userKey)),
      400,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual([path]);
  });
});

describe("no input produces a 5xx", () => {
  const json = (v: unknown) => JSON.stringify(v);
  const weird = fc.oneof(
    fc.jsonValue(),
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(null, true, "", " ", "1x1", "image.generate", -0, 1e308, 2 ** 53),
  );

  it("POST /v1/jobs answers every generated JSON document with 202 or a 4xx problem", async () => {
    const t = await seedTenant(env.DB);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc
            .record(
              { type: weird, input: fc.oneof(weird, fc.dictionary(fc.string(), weird)), metadata: weird },
              { requiredKeys: [] },
            )
            .map(json),
          fc
            .record(
              { prompt: weird, aspect_ratio: weird, seed: weird, num_images: weird },
              { requiredKeys: [] },
            )
            .map((inputValue) => json({ type: "image.generate", input: inputValue })),
        ),
        async (body) => {
          const res = await call("/v1/jobs", postInit(t.userKey, body));
          if (res.status === 202) return;
          expect(res.status, `${res.status} for ${body}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${res.status} for ${body}`).toBeLessThan(500);
          expect(res.headers.get("content-type")).toBe("application/problem+json");
        },
      ),
      { numRuns: 80 },
    );
  });

  it("GET routes answer every generated path segment and query with a 2xx or 4xx problem", async () => {
    const t = await seedTenant(env.DB);
    const segment = fc.string({ maxLength: 80 }).map(encodeURIComponent);
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, async (a, b, c) => {
        for (const path of [
          `/v1/jobs/${a}`,
          `/v1/jobs/${a}/events`,
          `/v1/jobs/${a}/images/${b}`,
          `/v1/jobs?limit=${b}&cursor=${c}&status=${a}`,
        ]) {
          const res = await call(path, getInit(t.userKey));
          expect(res.status, `${res.status} for ${path}`).toBeLessThan(500);
          if (res.status >= 400) expect(res.headers.get("content-type")).toBe("application/problem+json");
        }
      }),
      { numRuns: 25 },
    );
  });
});
