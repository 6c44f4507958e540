import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CALLER_CACHE_TTL_MS, callerForKeyHash } from "../../shared/auth/caller-cache";
import { createDb } from "../../shared/db/client";
import { generateApiKey, sha256Hex } from "../../shared/auth/keys";
import type { Job } from "../../shared/jobs/schemas";
import {
  type SeededTenant,
  authHeaders,
  seedJob,
  seedJobImage,
  seedKey,
  seedProject,
  seedTenant,
  seedUser,
} from "../support/tenant";
import { call, countJobs, createJobViaApi, expectProblem, getInit, jobBody, postInit } from "./helpers";

type AuthCase = [name: string, authorization: (t: SeededTenant) => string | undefined, invalidToken: boolean];

const authCases: AuthCase[] = [
  ["no Authorization header", () => undefined, false],
  ["an empty Authorization header", () => "", false],
  ["a Basic scheme", (t) => `Basic ${btoa(`user:${t.userKey}`)}`, false],
  ["Bearer without a key", () => "Bearer ", false],
  ["a malformed key", () => "Bearer not-a-key", false],
  ["a key one character short", (t) => `Bearer ${t.userKey.slice(0, -1)}`, false],
  ["a key with a trailing extra token", (t) => `Bearer ${t.userKey} extra`, false],
  ["an unknown well-formed key", () => `Bearer ${generateApiKey()}`, true],
  ["a revoked key", (t) => `Bearer ${t.revokedKey}`, true],
];

const routes = [
  { method: "GET", path: () => "/v1/jobs" },
  { method: "POST", path: () => "/v1/jobs" },
  { method: "GET", path: (job: string) => `/v1/jobs/${job}` },
  { method: "GET", path: (job: string) => `/v1/jobs/${job}/events` },
  { method: "GET", path: (job: string) => `/v1/jobs/${job}/images/0` },
];

describe("authentication", () => {
  it.each(authCases)(
    "answers 401 unauthorized for %s on every jobs route",
    async (_name, auth, invalidToken) => {
      const t = await seedTenant(env.DB);
      const job = await seedJob(env.DB, t, { status: "succeeded" });
      await seedJobImage(env, job.id, { index: 0, bytes: new Uint8Array([1]), contentType: "image/png" });
      const authorization = auth(t);
      for (const route of routes) {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (authorization !== undefined) headers.authorization = authorization;
        const res = await call(route.path(job.id), {
          method: route.method,
          headers,
          body: route.method === "POST" ? JSON.stringify(jobBody()) : undefined,
        });
        const challenge = res.headers.get("www-authenticate");
        await expectProblem(res, 401, "unauthorized");
        expect(challenge).toMatch(/^Bearer realm="genqueue"/);
        expect(challenge?.includes('error="invalid_token"')).toBe(invalidToken);
      }
      // Only the seeded job exists: the POSTs created nothing.
      expect(await countJobs(t.instanceId)).toBe(1);
    },
  );

  it("accepts the key with a lower-case bearer scheme", async () => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", { headers: { authorization: `bearer ${t.userKey}` } });
    expect(res.status).toBe(200);
  });

  it("stops accepting a key revoked elsewhere within the cache bound (CALLER_CACHE_TTL_MS)", async () => {
    const t = await seedTenant(env.DB);
    expect((await call("/v1/jobs", getInit(t.userKey))).status).toBe(200);
    // Revoked by another isolate (here: straight in D1), so this isolate's cache does not know.
    const revokedAt = Date.now();
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?")
      .bind(revokedAt, t.keyIds.user)
      .run();
    const hash = await sha256Hex(t.userKey);
    const db = createDb(env.DB);
    // The cache entry the request above made is at most this old; at its TTL the key is refused.
    expect(await callerForKeyHash(db, hash, revokedAt)).not.toBeNull();
    expect(await callerForKeyHash(db, hash, revokedAt + CALLER_CACHE_TTL_MS)).toBeNull();
    expect(CALLER_CACHE_TTL_MS).toBeLessThanOrEqual(10_000);
  });
});

describe("the key lookup follows the tenancy", () => {
  const lookup = async (key: string) =>
    callerForKeyHash(createDb(env.DB), await sha256Hex(key), Date.now() + CALLER_CACHE_TTL_MS);

  it("keeps a user's key out of its instance once the user is unassigned from it", async () => {
    const t = await seedTenant(env.DB);
    const { userId } = await seedUser(env.DB, {
      organizationId: t.organizationId,
      role: "user",
      instanceIds: [t.instanceId],
    });
    const { key } = await seedKey(env.DB, { instanceId: t.instanceId, projectId: null, userId });
    expect((await call("/v1/jobs", getInit(key))).status).toBe(200);
    await env.DB.prepare("DELETE FROM user_instances WHERE user_id = ?").bind(userId).run();
    // Still a key (it may manage itself), but it reaches no instance: the job API answers 403.
    expect((await lookup(key))?.instanceAssigned).toBe(false);
  });

  it("keeps an admin user's instance key without an assignment (admins reach their whole organization)", async () => {
    const t = await seedTenant(env.DB);
    const { userId } = await seedUser(env.DB, { organizationId: t.organizationId, role: "admin" });
    const { key } = await seedKey(env.DB, {
      instanceId: t.instanceId,
      projectId: null,
      role: "admin",
      userId,
    });
    expect((await call("/v1/jobs", getInit(key))).status).toBe(200);
  });

  it("refuses a project's key once the project is archived, and jobs for it from an instance-wide key", async () => {
    const t = await seedTenant(env.DB);
    await env.DB.prepare("UPDATE projects SET archived_at = ? WHERE id = ?")
      .bind(Date.now(), t.projectId)
      .run();
    expect(await lookup(t.userKey)).toBeNull();
    const res = await call("/v1/jobs", postInit(t.instanceWideKey, jobBody({ project_id: t.projectId })));
    await expectProblem(res, 409, "archived");
  });
});

describe("tenant isolation", () => {
  async function twoTenantsWithAJob() {
    const mine = await seedTenant(env.DB);
    const theirs = await seedTenant(env.DB);
    const job = await seedJob(env.DB, theirs, { status: "succeeded" });
    await seedJobImage(env, job.id, { index: 0, bytes: new Uint8Array([9, 9]), contentType: "image/png" });
    return { mine, theirs, job };
  }

  it("answers 404 job_not_found, never 403, for a job of another instance", async () => {
    const { mine, theirs, job } = await twoTenantsWithAJob();
    for (const key of [mine.userKey, mine.adminKey, mine.instanceWideKey]) {
      for (const path of [`/v1/jobs/${job.id}`, `/v1/jobs/${job.id}/events`, `/v1/jobs/${job.id}/images/0`]) {
        const problem = await expectProblem(await call(path, getInit(key)), 404, "job_not_found");
        expect(problem.detail).toBe(`No job ${job.id}`);
      }
    }
    // The owner still sees it: the 404 above is isolation, not a broken job.
    expect((await call(`/v1/jobs/${job.id}/images/0`, getInit(theirs.userKey))).status).toBe(200);
  });

  it("answers the same 404 for another instance's job as for a job that does not exist", async () => {
    const { mine, job } = await twoTenantsWithAJob();
    const strip = (p: Record<string, unknown>) => ({ ...p, request_id: undefined, detail: undefined });
    const foreign = await expectProblem(
      await call(`/v1/jobs/${job.id}`, getInit(mine.userKey)),
      404,
      "job_not_found",
    );
    const missing = await expectProblem(
      await call("/v1/jobs/job_doesnotexist00000000", getInit(mine.userKey)),
      404,
      "job_not_found",
    );
    expect(strip(foreign)).toEqual(strip(missing));
  });

  it("never lists a job of another instance, whatever the key or filter", async () => {
    const { mine, job } = await twoTenantsWithAJob();
    await createJobViaApi(mine.userKey);
    for (const key of [mine.userKey, mine.adminKey, mine.instanceWideKey]) {
      for (const query of ["", "?status=succeeded", "?limit=100"]) {
        const res = await call(`/v1/jobs${query}`, getInit(key));
        expect(res.status).toBe(200);
        const ids = ((await res.json()) as { data: Job[] }).data.map((j) => j.id);
        expect(ids).not.toContain(job.id);
      }
    }
  });

  it("lists only its own project's jobs for a project-scoped key", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedProject(env.DB, t);
    const inMine = await createJobViaApi(t.userKey);
    const inOther = await createJobViaApi(other.userKey);
    const list = async (key: string) =>
      ((await (await call("/v1/jobs", getInit(key))).json()) as { data: Job[] }).data.map((j) => j.id);

    expect(await list(t.userKey)).toEqual([inMine.id]);
    expect(await list(other.userKey)).toEqual([inOther.id]);
    expect((await list(t.instanceWideKey)).sort()).toEqual([inMine.id, inOther.id].sort());
  });

  it("answers 404 to a project-scoped key for a sibling project's job, by id too", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedProject(env.DB, t);
    const theirs = await createJobViaApi(other.userKey);
    for (const path of [
      `/v1/jobs/${theirs.id}`,
      `/v1/jobs/${theirs.id}/events`,
      `/v1/jobs/${theirs.id}/images/0`,
    ]) {
      await expectProblem(await call(path, getInit(t.userKey)), 404, "job_not_found");
    }
    await expectProblem(
      await call(`/v1/jobs/${theirs.id}/cancel`, { method: "POST", headers: authHeaders(t.userKey) }),
      404,
      "job_not_found",
    );
    expect((await call(`/v1/jobs/${theirs.id}`, getInit(t.instanceWideKey))).status).toBe(200);
  });

  it("does not let a project-scoped key create a job in a sibling project", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedProject(env.DB, t);
    await expectProblem(
      await call("/v1/jobs", {
        method: "POST",
        headers: { ...authHeaders(t.userKey), "content-type": "application/json" },
        body: JSON.stringify(jobBody({ project_id: other.projectId })),
      }),
      400,
      "validation_failed",
    );
    expect(await countJobs(t.instanceId)).toBe(0);
  });
});

describe("secrets", () => {
  it("never puts the raw key or its hash in a response", async () => {
    const t = await seedTenant(env.DB);
    const secrets: string[] = [];
    for (const key of [t.userKey, t.adminKey, t.instanceWideKey, t.revokedKey]) {
      secrets.push(key, await sha256Hex(key));
    }
    const job = await createJobViaApi(t.userKey, jobBody({ metadata: { note: "hello" } }));
    const requests: [string, RequestInit][] = [
      ["/v1/jobs", getInit(t.userKey)],
      [`/v1/jobs/${job.id}`, getInit(t.userKey)],
      [`/v1/jobs/${job.id}/events`, getInit(t.userKey)],
      [`/v1/jobs/${job.id}/images/0`, getInit(t.userKey)],
      ["/v1/jobs", getInit(t.instanceWideKey)],
      ["/v1/jobs", getInit(t.revokedKey)],
      ["/v1/jobs", { headers: { authorization: `Bearer ${t.userKey}x` } }],
      ["/v1/jobs", { method: "POST", headers: authHeaders(t.userKey), body: "{" }],
      [
        "/v1/jobs",
        {
          method: "POST",
          headers: { ...authHeaders(t.userKey), "content-type": "application/json" },
          body: "{",
        },
      ],
      [
        "/v1/jobs",
        {
          method: "POST",
          headers: { ...authHeaders(t.userKey), "content-type": "application/json" },
          body: JSON.stringify(jobBody({ input: { prompt: "" } })),
        },
      ],
      ["/v1/nope", getInit(t.userKey)],
      ["/health", {}],
      ["/openapi.json", {}],
    ];
    for (const [path, init] of requests) {
      const res = await call(path, init);
      const text = `${JSON.stringify([...res.headers])}\n${await res.text()}`;
      for (const secret of secrets) expect(text, `${path} leaks a key or hash`).not.toContain(secret);
    }
  });
});
