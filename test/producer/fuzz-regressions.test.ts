// Regression tests for what the fuzzer (fuzz.test.ts) found: each `describe` names the break, each
// test pins the fix with plain, fixed inputs.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { generateMasterKey } from "../../shared/providers/keys/crypto";
import { authHeaders, seedJob, seedProject, seedTenant } from "../support/tenant";
import { fuzzRoutes } from "./fuzz/routes";
import { callWith, expectProblem, jobBody, postInit } from "./helpers";

const bindings = { PROVIDER_KEYS_MASTER_KEY: generateMasterKey() } as Partial<ProducerEnv>;
const send = (path: string, init: RequestInit = {}) => callWith(bindings, path, init);
const json = (method: string, key: string, body: unknown): RequestInit => ({
  ...postInit(key, body),
  method,
});

describe("413 on routes that take no body (undeclared in the OpenAPI document)", () => {
  const bodiless = fuzzRoutes().filter((r) => r.method !== "GET" && !r.public && !r.hasBody);

  it("declares payload_too_large on every route that is not a GET", () => {
    expect(bodiless.length).toBeGreaterThan(0);
    for (const route of fuzzRoutes().filter((r) => r.method !== "GET" && !r.public)) {
      expect(route.declaredCodes, `${route.method} ${route.template}`).toContain("payload_too_large");
    }
  });

  it("answers a body over MAX_BODY_BYTES on a route that takes none with a 413 problem", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "queued" });
    const oversized = "x".repeat(Number(env.MAX_BODY_BYTES) + 1);
    for (const route of bodiless) {
      const path = route.template.replace("{id}", route.template.includes("/jobs/") ? job.id : "pk_none");
      const key = route.admin ? t.adminKey : t.userKey;
      const res = await send(path, { method: route.method, headers: authHeaders(key), body: oversized });
      await expectProblem(res, 413, "payload_too_large");
    }
  });
});

describe("concurrent rotations of a project's webhook secret (7 of 8 answered 503)", () => {
  it("answers every concurrent rotation with the one rotation that happened, never a 5xx", async () => {
    const t = await seedTenant(env.DB);
    const path = `/v1/admin/projects/${t.projectId}/webhook`;
    const storedSecrets = async () =>
      (await env.DB.prepare(
        "SELECT webhook_secret AS current, webhook_secret_previous AS previous FROM projects WHERE id = ?",
      )
        .bind(t.projectId)
        .first<{ current: string; previous: string | null }>())!;
    // The first URL makes the project's secret (stored encrypted).
    const first = await send(path, json("PUT", t.adminKey, { url: "https://hooks.example.com/x" }));
    expect(((await first.json()) as { secret?: string }).secret).toMatch(/^whsec_/);
    const before = await storedSecrets();

    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        send(`${path}/rotate-secret`, { method: "POST", headers: authHeaders(t.adminKey) }),
      ),
    );

    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as {
      secret?: string;
      secret_last4: string;
      previous_secret_expires_at: string | null;
    }[];
    // The new secret is shown once: in the answer of the rotation that happened, not in the others.
    const shown = bodies.flatMap((b) => (b.secret ? [b.secret] : []));
    expect(shown).toHaveLength(1);
    for (const body of bodies) {
      expect(body.secret_last4).toBe(shown[0]!.slice(-4));
      expect(body.previous_secret_expires_at).not.toBeNull();
    }
    // The secret receivers held before still signs: exactly one rotation happened.
    const after = await storedSecrets();
    expect(after.current).not.toBe(before.current);
    expect(after.previous).toBe(before.current);
  });
});

describe("provider keys that are not visible ASCII (stored last4 differed from the answer)", () => {
  it.each([
    ["a key whose last 4 would split an emoji", "ideo_abcd\u{1F600}\u{1F600}x"],
    ["a key with a lone surrogate", "ideo_abcdefg\ud800"],
    ["a key with a NUL", "ideo_abcdefg\u0000"],
    ["a key with non-ASCII letters", "ideo_kljuc\u030c_123456"],
  ])("answers 400 validation_failed for %s", async (_name, apiKey) => {
    const t = await seedTenant(env.DB);
    const res = await send(
      "/v1/admin/provider-keys",
      json("POST", t.adminKey, { provider: "ideogram", api_key: apiKey }),
    );
    const problem = await expectProblem(res, 400, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual(["api_key"]);
  });

  it("lists a visible-ASCII key with the last 4 characters it answered", async () => {
    const t = await seedTenant(env.DB);
    const res = await send(
      "/v1/admin/provider-keys",
      json("POST", t.adminKey, { provider: "ideogram", api_key: "ideo_live_~!@#$%^&*()_+x9Qa" }),
    );
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; last4: string };
    expect(created.last4).toBe("x9Qa");
    const list = (await (
      await send("/v1/admin/provider-keys", { headers: authHeaders(t.adminKey) })
    ).json()) as {
      data: { id: string }[];
    };
    expect(list.data.find((k) => k.id === created.id)).toEqual(created);
  });
});

describe("webhook URLs with a lone surrogate (stored URL differed from the answer)", () => {
  const broken = "https://hooks.example.org/a\ud800b";

  it("answers 400 webhook_url_invalid on POST /v1/jobs", async () => {
    const t = await seedTenant(env.DB);
    const res = await send("/v1/jobs", postInit(t.userKey, jobBody({ webhook_url: broken })));
    await expectProblem(res, 400, "webhook_url_invalid");
  });

  it("answers 400 webhook_url_invalid on PUT /v1/admin/projects/{id}/webhook", async () => {
    const t = await seedTenant(env.DB);
    const res = await send(
      `/v1/admin/projects/${t.projectId}/webhook`,
      json("PUT", t.adminKey, { url: broken }),
    );
    await expectProblem(res, 400, "webhook_url_invalid");
  });

  it("stores a well-formed non-ASCII URL as it answered it", async () => {
    const t = await seedTenant(env.DB);
    const path = `/v1/admin/projects/${t.projectId}/webhook`;
    const put = await send(
      path,
      json("PUT", t.adminKey, { url: "https://hooks.example.org/\u00e9\u{1F600}" }),
    );
    expect(put.status).toBe(200);
    // The first URL's answer also shows the new signing secret, once; GET never does.
    const { secret: _shownOnce, ...written } = (await put.json()) as Record<string, unknown>;
    expect(await (await send(path, { headers: authHeaders(t.adminKey) })).json()).toEqual(written);
  });
});

describe('a "__proto__" metadata key (silently dropped from the job)', () => {
  it("answers 400 validation_failed instead of dropping it", async () => {
    const t = await seedTenant(env.DB);
    const body = '{"type":"image.generate","input":{"prompt":"x"},"metadata":{"__proto__":"x","order":"1"}}';
    const problem = await expectProblem(
      await send("/v1/jobs", postInit(t.userKey, body)),
      400,
      "validation_failed",
    );
    expect(problem.errors?.[0]?.path).toMatch(/^metadata/);
  });

  it("keeps other keys that name Object.prototype members, as given", async () => {
    const t = await seedTenant(env.DB);
    const metadata = { constructor: "a", toString: "b", hasOwnProperty: "c" };
    const res = await send("/v1/jobs", postInit(t.userKey, jobBody({ metadata })));
    expect(res.status).toBe(202);
    expect(((await res.json()) as { metadata: unknown }).metadata).toEqual(metadata);
  });
});

describe("webhook routes of another project's job (a project-bound key saw and redelivered them)", () => {
  it("answers 404 job_not_found to a project-bound key for a job of another project of its instance", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedProject(env.DB, t);
    const job = await seedJob(env.DB, t, { status: "succeeded", projectId: other.projectId });
    for (const [method, path] of [
      ["GET", `/v1/jobs/${job.id}/webhooks`],
      ["POST", `/v1/jobs/${job.id}/webhooks/redeliver`],
    ]) {
      const res = await send(path!, { method, headers: authHeaders(t.userKey) });
      await expectProblem(res, 404, "job_not_found");
    }
    // The job's own project and instance-wide keys still see it.
    for (const key of [other.userKey, t.instanceWideKey]) {
      expect((await send(`/v1/jobs/${job.id}/webhooks`, { headers: authHeaders(key) })).status).toBe(200);
    }
  });
});
