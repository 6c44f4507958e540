// API keys over the admin API: create (secret once), list, revoke, rotate with a grace period,
// expiry; every role allowed and denied, other organizations' rows as 404, bad input as 400, and
// one audit record per change.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CALLER_CACHE_TTL_MS, callerForKeyHash } from "../../shared/auth/caller-cache";
import { sha256Hex } from "../../shared/auth/keys";
import { createDb } from "../../shared/db/client";
import type { ErrorCode } from "../../shared/errors";
import type { Role } from "../../shared/jobs/enums";
import { authHeaders, seedKey, seedOrgKey, seedSuperAdmin, seedTenant, seedUser } from "../support/tenant";
import { call, expectProblem, getInit, rows } from "./helpers";

const KEYS = "/v1/admin/api-keys";

interface ApiKeyBody {
  id: string;
  object: "api_key";
  name: string;
  prefix: string;
  role: Role;
  status: "active" | "revoked" | "expired";
  organization_id: string;
  instance_id: string | null;
  project_id: string | null;
  user_id: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  previous_expires_at: string | null;
  secret?: string;
}

function send(key: string, path: string, method = "GET", body?: unknown): Promise<Response> {
  const headers: Record<string, string> = authHeaders(key);
  if (body !== undefined) headers["content-type"] = "application/json";
  return call(path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function ok<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

const create = (key: string, body: unknown) => send(key, KEYS, "POST", body);
const created = async (key: string, body: unknown) =>
  ok<ApiKeyBody & { secret: string }>(await create(key, body), 201);
const revoke = (key: string, id: string) => send(key, `${KEYS}/${id}`, "DELETE");
const rotate = (key: string, id: string, body?: unknown) => send(key, `${KEYS}/${id}/rotate`, "POST", body);
const list = async (key: string, query = "") =>
  ok<{ object: "list"; data: ApiKeyBody[]; next_cursor: string | null }>(await send(key, `${KEYS}${query}`));
const jobsStatus = async (key: string) => (await call("/v1/jobs", getInit(key))).status;

/** A tenant plus an org-wide admin (a user) and a `user` assigned to the instance, each with a key. */
async function staffedTenant() {
  const t = await seedTenant(env.DB);
  const admin = await seedOrgKey(env.DB, { organizationId: t.organizationId, role: "admin" });
  const { userId } = await seedUser(env.DB, {
    organizationId: t.organizationId,
    role: "user",
    instanceIds: [t.instanceId],
  });
  const userKey = await seedKey(env.DB, { instanceId: t.instanceId, projectId: null, role: "user", userId });
  return { t, admin, user: { userId, key: userKey.key, keyId: userKey.id } };
}

async function auditOf(resourceId: string) {
  return rows<{
    action: string;
    organization_id: string;
    actor_key_id: string;
    actor_user_id: string | null;
    before: string | null;
    after: string | null;
    request_id: string;
  }>("SELECT * FROM audit_log WHERE resource_id = ? ORDER BY created_at, id", resourceId);
}

describe("create", () => {
  it("returns the secret once: it works on the job API, its prefix matches, only its hash is stored", async () => {
    const { t, admin, user } = await staffedTenant();
    const body = await created(admin.key, { name: "ci", instance_id: t.instanceId, user_id: user.userId });
    expect(body).toMatchObject({
      object: "api_key",
      name: "ci",
      role: "user",
      status: "active",
      organization_id: t.organizationId,
      instance_id: t.instanceId,
      project_id: null,
      user_id: user.userId,
      expires_at: null,
      revoked_at: null,
      previous_expires_at: null,
    });
    expect(body.secret).toMatch(/^gq_[a-z0-9]{40}$/);
    expect(body.secret.startsWith(body.prefix)).toBe(true);
    expect(await jobsStatus(body.secret)).toBe(200);
    const [stored] = await rows<Record<string, unknown>>("SELECT * FROM api_keys WHERE id = ?", body.id);
    expect(stored?.key_hash).toBe(await sha256Hex(body.secret));
    expect(JSON.stringify(stored)).not.toContain(body.secret);
  });

  it("gives the key its owner's role and defaults the owner to the calling key's user", async () => {
    const { admin } = await staffedTenant();
    const body = await created(admin.key, { name: "mine" });
    expect(body).toMatchObject({ role: "admin", user_id: admin.userId, instance_id: null });
    expect((await send(body.secret, KEYS)).status).toBe(200);
  });

  it("makes a project service key (role user, no user) for user_id null or a caller without a user", async () => {
    const { t, admin } = await staffedTenant();
    const explicit = await created(admin.key, { name: "svc", project_id: t.projectId, user_id: null });
    expect(explicit).toMatchObject({
      role: "user",
      user_id: null,
      project_id: t.projectId,
      instance_id: t.instanceId,
    });
    const byUserless = await created(t.adminKey, { name: "svc2", project_id: t.projectId });
    expect(byUserless).toMatchObject({ role: "user", user_id: null, project_id: t.projectId });
    expect(await jobsStatus(explicit.secret)).toBe(200);
  });

  it("narrows a key made by an instance key to that instance", async () => {
    const { t, admin } = await staffedTenant();
    const narrowed = await seedKey(env.DB, {
      instanceId: t.instanceId,
      projectId: null,
      role: "admin",
      userId: admin.userId,
    });
    const body = await created(narrowed.key, { name: "child" });
    expect(body).toMatchObject({ role: "admin", instance_id: t.instanceId, user_id: admin.userId });
  });

  it("stores expires_at; the key works until then", async () => {
    const { t, admin, user } = await staffedTenant();
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const body = await created(admin.key, {
      name: "tmp",
      instance_id: t.instanceId,
      user_id: user.userId,
      expires_at: expiresAt,
    });
    expect(body.expires_at).toBe(expiresAt);
    expect(await jobsStatus(body.secret)).toBe(200);
  });
});

describe("the rules of who may create which key", () => {
  const cases: [
    name: string,
    run: (s: Awaited<ReturnType<typeof staffedTenant>>) => Promise<Response>,
    status: number,
    code?: ErrorCode,
  ][] = [
    ["a user creates a key for itself", (s) => create(s.user.key, { name: "x" }), 201],
    [
      "a user creates a key for another user of its organization",
      (s) => create(s.user.key, { name: "x", user_id: s.admin.userId }),
      404,
      "user_not_found",
    ],
    [
      "a user creates a project service key",
      (s) => create(s.user.key, { name: "x", project_id: s.t.projectId, user_id: null }),
      403,
      "forbidden",
    ],
    [
      "an admin creates a key for an unassigned user",
      async (s) => {
        const other = await seedUser(env.DB, { organizationId: s.t.organizationId, role: "user" });
        return create(s.admin.key, { name: "x", instance_id: s.t.instanceId, user_id: other.userId });
      },
      403,
      "forbidden",
    ],
    [
      "an admin creates an organization-wide key for a user",
      (s) => create(s.admin.key, { name: "x", user_id: s.user.userId }),
      400,
      "validation_failed",
    ],
    [
      "an admin creates a key for a super_admin of its organization",
      async (s) => {
        const boss = await seedUser(env.DB, { organizationId: s.t.organizationId, role: "super_admin" });
        return create(s.admin.key, { name: "x", user_id: boss.userId });
      },
      403,
      "forbidden",
    ],
    [
      "an admin creates a key for a disabled user",
      async (s) => {
        const gone = await seedUser(env.DB, {
          organizationId: s.t.organizationId,
          role: "user",
          instanceIds: [s.t.instanceId],
          disabled: true,
        });
        return create(s.admin.key, { name: "x", instance_id: s.t.instanceId, user_id: gone.userId });
      },
      409,
      "archived",
    ],
    [
      "a key without a user names neither user_id nor project_id",
      (s) => create(s.t.adminKey, { name: "x" }),
      400,
      "validation_failed",
    ],
    [
      "user_id null without a project",
      (s) => create(s.admin.key, { name: "x", instance_id: s.t.instanceId, user_id: null }),
      400,
      "validation_failed",
    ],
    [
      "a key in an archived instance",
      async (s) => {
        await env.DB.prepare("UPDATE instances SET archived_at = ? WHERE id = ?")
          .bind(Date.now(), s.t.instanceId)
          .run();
        return create(s.admin.key, { name: "x", instance_id: s.t.instanceId });
      },
      409,
      "archived",
    ],
    [
      "a project of another instance of the organization",
      async (s) => {
        const other = await seedTenant(env.DB);
        await env.DB.prepare("UPDATE instances SET organization_id = ? WHERE id = ?")
          .bind(s.t.organizationId, other.instanceId)
          .run();
        return create(s.admin.key, { name: "x", instance_id: s.t.instanceId, project_id: other.projectId });
      },
      404,
      "project_not_found",
    ],
  ];

  it.each(cases)("%s -> %d", async (_, run, status, code) => {
    const res = await run(await staffedTenant());
    if (code) await expectProblem(res, status, code);
    else expect(res.status, await res.clone().text()).toBe(status);
  });

  it("lets a super_admin create a key in another organization's instance for its admin", async () => {
    const { t, admin } = await staffedTenant();
    const root = await seedSuperAdmin(env.DB);
    const body = await created(root.key, { name: "x", instance_id: t.instanceId, user_id: admin.userId });
    expect(body).toMatchObject({
      role: "admin",
      organization_id: t.organizationId,
      instance_id: t.instanceId,
    });
  });
});

describe("cross-organization isolation", () => {
  it("answers 404 for another organization's instance, project, user and key", async () => {
    const { admin, user } = await staffedTenant();
    const theirs = await staffedTenant();
    await expectProblem(
      await create(admin.key, { name: "x", instance_id: theirs.t.instanceId }),
      404,
      "instance_not_found",
    );
    await expectProblem(
      await create(admin.key, { name: "x", project_id: theirs.t.projectId, user_id: null }),
      404,
      "project_not_found",
    );
    await expectProblem(
      await create(admin.key, { name: "x", user_id: theirs.admin.userId }),
      404,
      "user_not_found",
    );
    for (const key of [admin.key, user.key]) {
      await expectProblem(await revoke(key, theirs.user.keyId), 404, "api_key_not_found");
      await expectProblem(await rotate(key, theirs.user.keyId), 404, "api_key_not_found");
    }
    expect((await list(admin.key, `?instance_id=${theirs.t.instanceId}`)).data).toEqual([]);
    expect(await jobsStatus(theirs.user.key)).toBe(200);
  });
});

describe("list", () => {
  it("shows an admin its organization's keys, never a secret or a hash", async () => {
    const { t, admin, user } = await staffedTenant();
    const made = await created(admin.key, { name: "ci", instance_id: t.instanceId, user_id: user.userId });
    const other = await staffedTenant();
    const res = await send(admin.key, `${KEYS}?limit=100`);
    const text = await res.clone().text();
    const page = await ok<{ data: ApiKeyBody[] }>(res);
    const ids = page.data.map((k) => k.id);
    expect(ids).toEqual(
      expect.arrayContaining([made.id, user.keyId, admin.id, t.keyIds.admin, t.keyIds.revoked]),
    );
    expect(ids).not.toContain(other.user.keyId);
    expect(page.data.every((k) => k.organization_id === t.organizationId)).toBe(true);
    expect(text).not.toContain(made.secret);
    expect(text).not.toContain(await sha256Hex(made.secret));
    for (const key of page.data) expect(Object.keys(key)).not.toContain("secret");
    expect(page.data.find((k) => k.id === t.keyIds.revoked)?.status).toBe("revoked");
  });

  it("shows a user only its own keys, and a service key only itself", async () => {
    const { t, admin, user } = await staffedTenant();
    const own = await created(user.key, { name: "second" });
    await created(admin.key, { name: "admin's" });
    const mine = (await list(user.key)).data.map((k) => k.id);
    expect(mine.sort()).toEqual([own.id, user.keyId].sort());
    expect((await list(t.userKey)).data.map((k) => k.id)).toEqual([t.keyIds.user]);
  });

  it("filters by instance, user and project, and pages with a cursor", async () => {
    const { t, admin, user } = await staffedTenant();
    const svc = await created(admin.key, { name: "svc", project_id: t.projectId, user_id: null });
    expect((await list(admin.key, `?project_id=${t.projectId}`)).data.map((k) => k.id)).toEqual(
      expect.arrayContaining([svc.id, t.keyIds.user]),
    );
    expect((await list(admin.key, `?user_id=${user.userId}`)).data.map((k) => k.id)).toEqual([user.keyId]);
    const all = (await list(admin.key, `?instance_id=${t.instanceId}&limit=100`)).data;
    const first = await list(admin.key, `?instance_id=${t.instanceId}&limit=2`);
    expect(first.data).toHaveLength(2);
    expect(first.next_cursor).not.toBeNull();
    const second = await list(
      admin.key,
      `?instance_id=${t.instanceId}&limit=100&cursor=${first.next_cursor}`,
    );
    expect([...first.data, ...second.data].map((k) => k.id)).toEqual(all.map((k) => k.id));
    expect(second.next_cursor).toBeNull();
  });

  it("shows an expired key as expired; the key itself gets 401", async () => {
    const { t, admin } = await staffedTenant();
    const expired = await seedKey(env.DB, {
      instanceId: t.instanceId,
      projectId: null,
      userId: admin.userId,
      role: "admin",
      expiresAt: Date.now() - 1000,
    });
    await expectProblem(await call("/v1/jobs", getInit(expired.key)), 401, "unauthorized");
    await expectProblem(await send(expired.key, KEYS), 401, "unauthorized");
    expect((await list(admin.key)).data.find((k) => k.id === expired.id)?.status).toBe("expired");
  });
});

describe("revoke", () => {
  it("stops the key at once in this isolate, answers a second revoke the same, and audits once", async () => {
    const { t, admin, user } = await staffedTenant();
    const made = await created(admin.key, { name: "ci", instance_id: t.instanceId, user_id: user.userId });
    expect(await jobsStatus(made.secret)).toBe(200); // now in this isolate's cache
    const first = await ok<ApiKeyBody>(await revoke(admin.key, made.id));
    expect(first).toMatchObject({ id: made.id, status: "revoked" });
    expect(first.revoked_at).not.toBeNull();
    await expectProblem(await call("/v1/jobs", getInit(made.secret)), 401, "unauthorized");
    const second = await ok<ApiKeyBody>(await revoke(admin.key, made.id));
    expect(second).toEqual(first);
    expect((await auditOf(made.id)).map((a) => a.action)).toEqual(["api_key.create", "api_key.revoke"]);
  });

  it("lets a key revoke itself, and a user its own keys but no one else's", async () => {
    const { admin, user } = await staffedTenant();
    await expectProblem(await revoke(user.key, admin.id), 404, "api_key_not_found");
    await ok(await revoke(user.key, user.keyId));
    await expectProblem(await call("/v1/jobs", getInit(user.key)), 401, "unauthorized");
  });

  it("refuses an admin a super_admin's key of its organization (403)", async () => {
    const { t, admin } = await staffedTenant();
    const boss = await seedOrgKey(env.DB, { organizationId: t.organizationId, role: "super_admin" });
    await expectProblem(await revoke(admin.key, boss.id), 403, "forbidden");
    await expectProblem(await rotate(admin.key, boss.id), 403, "forbidden");
    expect((await send(boss.key, KEYS)).status).toBe(200);
  });
});

describe("rotate", () => {
  it("with grace 0 (the default): the old secret gets 401 at once, the new one works", async () => {
    const { t, admin, user } = await staffedTenant();
    const made = await created(admin.key, { name: "ci", instance_id: t.instanceId, user_id: user.userId });
    expect(await jobsStatus(made.secret)).toBe(200);
    const rotated = await ok<ApiKeyBody & { secret: string }>(await rotate(admin.key, made.id));
    expect(rotated.id).toBe(made.id);
    expect(rotated.secret).not.toBe(made.secret);
    expect(rotated.secret.startsWith(rotated.prefix)).toBe(true);
    await expectProblem(await call("/v1/jobs", getInit(made.secret)), 401, "unauthorized");
    expect(await jobsStatus(rotated.secret)).toBe(200);
  });

  it("with a grace period: both secrets work, and the old one is refused after it (within the cache bound)", async () => {
    const { t, admin, user } = await staffedTenant();
    const made = await created(admin.key, { name: "ci", instance_id: t.instanceId, user_id: user.userId });
    const before = Date.now();
    const rotated = await ok<ApiKeyBody & { secret: string }>(
      await rotate(admin.key, made.id, { grace_seconds: 3600 }),
    );
    const graceEnd = Date.parse(rotated.previous_expires_at ?? "");
    expect(graceEnd).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(graceEnd).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(await jobsStatus(made.secret)).toBe(200);
    expect(await jobsStatus(rotated.secret)).toBe(200);
    const db = createDb(env.DB);
    const oldHash = await sha256Hex(made.secret);
    expect(await callerForKeyHash(db, oldHash, graceEnd - 1)).not.toBeNull();
    expect(await callerForKeyHash(db, oldHash, graceEnd + CALLER_CACHE_TTL_MS)).toBeNull();
    expect(
      await callerForKeyHash(db, await sha256Hex(rotated.secret), graceEnd + CALLER_CACHE_TTL_MS),
    ).not.toBeNull();
  });

  it("refuses a revoked or expired key (404) and a key out of a user's reach", async () => {
    const { t, admin, user } = await staffedTenant();
    await expectProblem(await rotate(admin.key, t.keyIds.revoked), 404, "api_key_not_found");
    const expired = await seedKey(env.DB, {
      instanceId: t.instanceId,
      projectId: null,
      expiresAt: Date.now() - 1,
    });
    await expectProblem(await rotate(admin.key, expired.id), 404, "api_key_not_found");
    await expectProblem(await rotate(user.key, admin.id), 404, "api_key_not_found");
    const own = await ok<ApiKeyBody & { secret: string }>(await rotate(user.key, user.keyId, {}));
    expect(await jobsStatus(own.secret)).toBe(200);
  });

  it("writes one audit record with before/after and never a secret or a hash", async () => {
    const { t, admin, user } = await staffedTenant();
    const made = await created(admin.key, { name: "ci", instance_id: t.instanceId, user_id: user.userId });
    const res = await rotate(admin.key, made.id, { grace_seconds: 60 });
    const rotated = await ok<ApiKeyBody & { secret: string }>(res);
    const records = await auditOf(made.id);
    expect(records.map((r) => r.action)).toEqual(["api_key.create", "api_key.rotate"]);
    const [createRecord, rotateRecord] = records;
    expect(createRecord).toMatchObject({
      organization_id: t.organizationId,
      actor_key_id: admin.id,
      actor_user_id: admin.userId,
      before: null,
    });
    expect(rotateRecord?.request_id).toBe(res.headers.get("x-request-id"));
    expect(JSON.parse(rotateRecord?.before ?? "{}")).toMatchObject({
      prefix: made.prefix,
      previous_expires_at: null,
    });
    expect(JSON.parse(rotateRecord?.after ?? "{}")).toMatchObject({
      prefix: rotated.prefix,
      previous_expires_at: rotated.previous_expires_at,
    });
    const text = JSON.stringify(records);
    for (const secret of [made.secret, rotated.secret]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(await sha256Hex(secret));
    }
  });
});

describe("bad input: 400 problem+json, never 5xx", () => {
  const soon = () => new Date(Date.now() - 1000).toISOString();
  const bodies: [string, () => unknown][] = [
    ["no name", () => ({})],
    ["an empty name", () => ({ name: "  " })],
    ["a name too long", () => ({ name: "x".repeat(101) })],
    ["an unknown field", () => ({ name: "x", role: "super_admin" })],
    ["expires_at in the past", () => ({ name: "x", expires_at: soon() })],
    ["expires_at not ISO", () => ({ name: "x", expires_at: "tomorrow" })],
    ["instance_id not a string", () => ({ name: "x", instance_id: 5 })],
    ["an array body", () => [1]],
  ];
  it.each(bodies)("POST with %s", async (_, body) => {
    const { admin } = await staffedTenant();
    await expectProblem(await create(admin.key, body()), 400, "validation_failed");
  });

  it.each([
    ["a negative grace", { grace_seconds: -1 }],
    ["a grace above 7 days", { grace_seconds: 604_801 }],
    ["a fractional grace", { grace_seconds: 1.5 }],
    ["an unknown field", { grace: 5 }],
  ])("rotate with %s", async (_, body) => {
    const { admin, user } = await staffedTenant();
    await expectProblem(await rotate(admin.key, user.keyId, body), 400, "validation_failed");
    expect(await jobsStatus(user.key)).toBe(200);
  });

  it.each(["?limit=0", "?limit=101", "?cursor=%25", `?user_id=${"u".repeat(65)}`])(
    "GET %s",
    async (query) => {
      const { admin } = await staffedTenant();
      await expectProblem(await send(admin.key, `${KEYS}${query}`), 400, "validation_failed");
    },
  );

  it("malformed JSON and a non-JSON body", async () => {
    const { admin, user } = await staffedTenant();
    await expectProblem(await create(admin.key, "{"), 400, "malformed_json");
    await expectProblem(await rotate(admin.key, user.keyId, "{"), 400, "malformed_json");
    const res = await call(KEYS, {
      method: "POST",
      headers: { ...authHeaders(admin.key), "content-type": "text/plain" },
      body: "name=x",
    });
    await expectProblem(res, 415, "unsupported_media_type");
  });

  it("an id too long", async () => {
    const { admin } = await staffedTenant();
    await expectProblem(await revoke(admin.key, "k".repeat(65)), 400, "validation_failed");
  });
});
