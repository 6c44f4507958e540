// GET /v1/me: who the calling key is, for a user's key, a project's service key and an
// organization-wide admin key.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedKey, seedOrgKey, seedTenant, seedUser } from "../support/tenant";
import { call, expectProblem, getInit, rows } from "./helpers";

interface Me {
  object: "me";
  key: { id: string; prefix: string; role: string; expires_at: string | null };
  user: { id: string; email: string; name: string; role: string } | null;
  organization: { id: string; name: string };
  instance: { id: string; name: string } | null;
  project: { id: string; name: string } | null;
}

async function me(key: string): Promise<Me> {
  const res = await call("/v1/me", getInit(key));
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Me;
}

describe("GET /v1/me", () => {
  it("describes a user's key narrowed to an instance and a project", async () => {
    const t = await seedTenant(env.DB);
    const { userId, email } = await seedUser(env.DB, {
      organizationId: t.organizationId,
      role: "user",
      instanceIds: [t.instanceId],
    });
    const expiresAt = Date.now() + 86_400_000;
    const key = await seedKey(env.DB, {
      instanceId: t.instanceId,
      projectId: t.projectId,
      userId,
      role: "user",
      expiresAt,
    });
    expect(await me(key.key)).toEqual({
      object: "me",
      key: {
        id: key.id,
        prefix: key.key.slice(0, 10),
        role: "user",
        expires_at: new Date(expiresAt).toISOString(),
      },
      user: { id: userId, email, name: "test user", role: "user" },
      organization: { id: t.organizationId, name: "test org" },
      instance: { id: t.instanceId, name: "test instance" },
      project: { id: t.projectId, name: "test" },
    });
  });

  it("describes a project's service key: no user", async () => {
    const t = await seedTenant(env.DB);
    expect(await me(t.userKey)).toEqual({
      object: "me",
      key: { id: t.keyIds.user, prefix: t.userKey.slice(0, 10), role: "user", expires_at: null },
      user: null,
      organization: { id: t.organizationId, name: "test org" },
      instance: { id: t.instanceId, name: "test instance" },
      project: { id: t.projectId, name: "test" },
    });
  });

  it("describes an organization-wide admin key: no instance, no project", async () => {
    const t = await seedTenant(env.DB);
    const admin = await seedOrgKey(env.DB, { organizationId: t.organizationId, role: "admin" });
    const body = await me(admin.key);
    expect(body).toMatchObject({
      key: { id: admin.id, role: "admin", expires_at: null },
      user: { id: admin.userId, role: "admin" },
      organization: { id: t.organizationId },
      instance: null,
      project: null,
    });
  });

  it("shows the key's effective role: an admin key of a user demoted to user is a user key", async () => {
    const t = await seedTenant(env.DB);
    const admin = await seedOrgKey(env.DB, { organizationId: t.organizationId, role: "admin" });
    await rows("UPDATE users SET role = 'user' WHERE id = ?", admin.userId);
    const fresh = await seedKey(env.DB, {
      organizationId: t.organizationId,
      instanceId: null,
      projectId: null,
      role: "admin",
      userId: admin.userId,
    });
    const body = await me(fresh.key);
    expect(body.key.role).toBe("user");
    expect(body.user?.role).toBe("user");
  });

  it("is 401 without a key or with a revoked one", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(await call("/v1/me"), 401, "unauthorized");
    await expectProblem(await call("/v1/me", getInit(t.revokedKey)), 401, "unauthorized");
  });
});
