// /v1/admin/users: every kind of caller against every route (allowed and denied), roles only as
// high as the caller's (canGrant), unique lower-case emails, a user seeing only itself, another
// organization's users as 404, disabling (its keys stop at once), audit records, pages, bad input.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedOrgKey, seedTenant, seedUser } from "../support/tenant";
import { expectProblem, rows } from "./helpers";
import {
  auditOf,
  type CallerKind,
  ok,
  seedTenancy,
  seedUserKey,
  send,
  type Tenancy,
} from "./tenancy-fixtures";

interface UserBody {
  id: string;
  object: string;
  organization_id: string;
  email: string;
  name: string;
  role: string;
  status: "active" | "disabled";
  created_at: string;
}
interface ListBody {
  object: string;
  data: UserBody[];
  next_cursor: string | null;
}

const PATH = "/v1/admin/users";
const admins: CallerKind[] = ["superAdmin", "orgAdmin", "instanceAdmin"];
const users: CallerKind[] = ["serviceKey", "userKey"];

const uniqueEmail = () => `Person.${crypto.randomUUID().slice(0, 8)}@Example.TEST`;

/** A user created through the API by `kind` in the tenant's organization. */
function newUserBody(t: Tenancy, kind: CallerKind, extra: Record<string, unknown> = {}) {
  return {
    email: uniqueEmail(),
    name: "Ada",
    role: "user",
    ...(kind === "superAdmin" ? { organization_id: t.organizationId } : {}),
    ...extra,
  };
}

async function createUser(t: Tenancy, kind: CallerKind = "orgAdmin", extra: Record<string, unknown> = {}) {
  return ok<UserBody>(await send(t.keys[kind], "POST", PATH, newUserBody(t, kind, extra)), 201);
}

describe("POST /v1/admin/users", () => {
  it.each(admins)("lets %s create a user of the organization, email in lower case, audited", async (kind) => {
    const t = await seedTenancy();
    const body = newUserBody(t, kind);
    const res = await send(t.keys[kind], "POST", PATH, body);
    const user = await ok<UserBody>(res.clone(), 201);
    expect(user).toEqual({
      id: expect.stringMatching(/^usr_[0-9a-z]{20}$/),
      object: "user",
      organization_id: t.organizationId,
      email: body.email.toLowerCase(),
      name: "Ada",
      role: "user",
      status: "active",
      created_at: expect.any(String),
    });
    const [row] = await rows<{ email: string }>("SELECT email FROM users WHERE id = ?", user.id);
    expect(row?.email).toBe(body.email.toLowerCase());
    const audit = await auditOf(user.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      organization_id: t.organizationId,
      action: "user.create",
      resource_type: "user",
      before: null,
      after: user,
      request_id: res.headers.get("x-request-id"),
    });
  });

  it("gives only roles the caller could hold: admins make admins and users, not super_admins (403)", async () => {
    const t = await seedTenancy();
    for (const kind of ["orgAdmin", "instanceAdmin"] as const) {
      expect((await createUser(t, kind, { role: "admin" })).role).toBe("admin");
      const denied = newUserBody(t, kind, { role: "super_admin" });
      await expectProblem(await send(t.keys[kind], "POST", PATH, denied), 403, "forbidden");
      expect(await rows("SELECT id FROM users WHERE email = ?", denied.email.toLowerCase())).toEqual([]);
    }
    expect((await createUser(t, "superAdmin", { role: "super_admin" })).role).toBe("super_admin");
  });

  it.each(users)("refuses %s with 403 forbidden", async (kind) => {
    const t = await seedTenancy();
    await expectProblem(await send(t.keys[kind], "POST", PATH, newUserBody(t, kind)), 403, "forbidden");
  });

  it("answers 409 email_taken for an email in use, in any case and any organization", async () => {
    const t = await seedTenancy();
    const first = await createUser(t);
    const other = await seedTenant(env.DB);
    const otherAdmin = await seedOrgKey(env.DB, { organizationId: other.organizationId, role: "admin" });
    for (const email of [first.email, first.email.toUpperCase()])
      await expectProblem(
        await send(otherAdmin.key, "POST", PATH, { email, name: "B", role: "user" }),
        409,
        "email_taken",
      );
    expect(await rows("SELECT id FROM users WHERE lower(email) = ?", first.email)).toHaveLength(1);
  });

  it("lets only a super_admin name another organization; a missing one is 404, a disabled one 409", async () => {
    const t = await seedTenancy();
    const other = await seedTenant(env.DB);
    await expectProblem(
      await send(
        t.keys.orgAdmin,
        "POST",
        PATH,
        newUserBody(t, "orgAdmin", { organization_id: other.organizationId }),
      ),
      403,
      "forbidden",
    );
    expect((await createUser(t, "orgAdmin", { organization_id: t.organizationId })).organization_id).toBe(
      t.organizationId,
    );
    const there = await ok<UserBody>(
      await send(
        t.keys.superAdmin,
        "POST",
        PATH,
        newUserBody(t, "orgAdmin", { organization_id: other.organizationId }),
      ),
      201,
    );
    expect(there.organization_id).toBe(other.organizationId);
    await expectProblem(
      await send(
        t.keys.superAdmin,
        "POST",
        PATH,
        newUserBody(t, "orgAdmin", { organization_id: "org_nowhere" }),
      ),
      404,
      "organization_not_found",
    );
    await env.DB.prepare("UPDATE organizations SET disabled_at = ? WHERE id = ?")
      .bind(Date.now(), other.organizationId)
      .run();
    await expectProblem(
      await send(
        t.keys.superAdmin,
        "POST",
        PATH,
        newUserBody(t, "orgAdmin", { organization_id: other.organizationId }),
      ),
      409,
      "archived",
    );
  });

  it.each([
    ["an invalid email", { email: "not-an-email", name: "A", role: "user" }],
    ["no email", { name: "A", role: "user" }],
    ["an unknown role", { email: "a@example.com", name: "A", role: "owner" }],
    ["no role", { email: "a@example.com", name: "A" }],
    ["an empty name", { email: "a@example.com", name: "", role: "user" }],
    ["an unknown field", { email: "a@example.com", name: "A", role: "user", password: "x" }],
    ["a string body", "just text"],
  ])("answers 400 for %s", async (_, body) => {
    const t = await seedTenancy();
    const res = await send(
      t.keys.orgAdmin,
      "POST",
      PATH,
      typeof body === "string" ? JSON.stringify(body) : body,
    );
    await expectProblem(res, 400, "validation_failed");
  });

  it("answers 400 malformed_json for a broken body", async () => {
    const t = await seedTenancy();
    await expectProblem(await send(t.keys.orgAdmin, "POST", PATH, '{"email":'), 400, "malformed_json");
  });
});

describe("GET /v1/admin/users", () => {
  const ids = async (key: string, query = "") =>
    (await ok<ListBody>(await send(key, "GET", `${PATH}${query}`))).data.map((u) => u.id);

  it.each(["superAdmin", "orgAdmin", "instanceAdmin"] as const)(
    "shows %s the organization's users",
    async (kind) => {
      const t = await seedTenancy();
      const query = kind === "superAdmin" ? `?organization_id=${t.organizationId}` : "";
      expect((await ids(t.keys[kind], query)).sort()).toEqual([t.userIds.orgAdmin, t.userIds.user].sort());
    },
  );

  it("shows a user only itself, and a project's service key (no user) nobody", async () => {
    const t = await seedTenancy();
    expect(await ids(t.keys.userKey)).toEqual([t.userIds.user]);
    expect(await ids(t.keys.serviceKey)).toEqual([]);
  });

  it("shows a super_admin every organization, and an admin none but its own (404 for another)", async () => {
    const t = await seedTenancy();
    const other = await seedTenant(env.DB);
    const stranger = await seedUser(env.DB, { organizationId: other.organizationId, role: "user" });
    expect(await ids(t.keys.superAdmin, `?organization_id=${other.organizationId}`)).toEqual([
      stranger.userId,
    ]);
    expect(await ids(t.keys.orgAdmin)).not.toContain(stranger.userId);
    await expectProblem(
      await send(t.keys.orgAdmin, "GET", `${PATH}?organization_id=${other.organizationId}`),
      404,
      "organization_not_found",
    );
  });

  it("pages newest first with next_cursor until the last page", async () => {
    const t = await seedTenancy();
    for (let i = 0; i < 3; i++) await createUser(t);
    const all = await ok<ListBody>(await send(t.keys.orgAdmin, "GET", `${PATH}?limit=100`));
    expect(all.data).toHaveLength(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page: ListBody = await ok<ListBody>(await send(t.keys.orgAdmin, "GET", `${PATH}${query}`));
      seen.push(...page.data.map((u) => u.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.data.map((u) => u.id));
  });

  it.each(["?limit=0", "?limit=500", "?cursor=%25", "?organization_id="])(
    "answers 400 for %s",
    async (query) => {
      const t = await seedTenancy();
      await expectProblem(await send(t.keys.orgAdmin, "GET", `${PATH}${query}`), 400, "validation_failed");
    },
  );
});

describe("GET /v1/admin/users/{id}", () => {
  it.each(admins)("shows %s a user of the organization", async (kind) => {
    const t = await seedTenancy();
    const user = await ok<UserBody>(await send(t.keys[kind], "GET", `${PATH}/${t.userIds.user}`));
    expect(user).toMatchObject({ id: t.userIds.user, organization_id: t.organizationId, role: "user" });
  });

  it("shows a user itself and no other user (404)", async () => {
    const t = await seedTenancy();
    await ok(await send(t.keys.userKey, "GET", `${PATH}/${t.userIds.user}`));
    await expectProblem(
      await send(t.keys.userKey, "GET", `${PATH}/${t.userIds.orgAdmin}`),
      404,
      "user_not_found",
    );
    await expectProblem(
      await send(t.keys.serviceKey, "GET", `${PATH}/${t.userIds.user}`),
      404,
      "user_not_found",
    );
  });

  it("answers 404 for another organization's user and 400 for a malformed id", async () => {
    const t = await seedTenancy();
    const other = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "GET", `${PATH}/${other.userIds.user}`),
      404,
      "user_not_found",
    );
    await expectProblem(
      await send(t.keys.instanceAdmin, "GET", `${PATH}/${other.userIds.user}`),
      404,
      "user_not_found",
    );
    await ok(await send(t.keys.superAdmin, "GET", `${PATH}/${other.userIds.user}`));
    await expectProblem(
      await send(t.keys.orgAdmin, "GET", `${PATH}/${"u".repeat(65)}`),
      400,
      "validation_failed",
    );
  });
});

describe("PATCH /v1/admin/users/{id}", () => {
  it.each(admins)(
    "lets %s rename a user and change its role, audited with before and after",
    async (kind) => {
      const t = await seedTenancy();
      const before = await ok<UserBody>(await send(t.keys[kind], "GET", `${PATH}/${t.userIds.user}`));
      const res = await send(t.keys[kind], "PATCH", `${PATH}/${t.userIds.user}`, {
        name: "Grace",
        role: "admin",
      });
      const after = await ok<UserBody>(res.clone());
      expect(after).toEqual({ ...before, name: "Grace", role: "admin" });
      const audit = await auditOf(t.userIds.user);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        organization_id: t.organizationId,
        action: "user.update",
        before,
        after,
        request_id: res.headers.get("x-request-id"),
      });
    },
  );

  it("lets an admin neither make a super_admin nor touch one (403)", async () => {
    const t = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "PATCH", `${PATH}/${t.userIds.user}`, { role: "super_admin" }),
      403,
      "forbidden",
    );
    const boss = await seedUser(env.DB, { organizationId: t.organizationId, role: "super_admin" });
    await expectProblem(
      await send(t.keys.orgAdmin, "PATCH", `${PATH}/${boss.userId}`, { name: "x" }),
      403,
      "forbidden",
    );
    await expectProblem(
      await send(t.keys.orgAdmin, "PATCH", `${PATH}/${boss.userId}`, { role: "user" }),
      403,
      "forbidden",
    );
    await ok(await send(t.keys.superAdmin, "PATCH", `${PATH}/${t.userIds.user}`, { role: "super_admin" }));
    expect(await auditOf(boss.userId)).toEqual([]);
  });

  it("refuses a change of the caller's own role (403) but allows its own name", async () => {
    const t = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "PATCH", `${PATH}/${t.userIds.orgAdmin}`, { role: "user" }),
      403,
      "forbidden",
    );
    await expectProblem(
      await send(t.keys.superAdmin, "PATCH", `${PATH}/${t.userIds.superAdmin}`, { role: "admin" }),
      403,
      "forbidden",
    );
    const renamed = await ok<UserBody>(
      await send(t.keys.orgAdmin, "PATCH", `${PATH}/${t.userIds.orgAdmin}`, { name: "Me", role: "admin" }),
    );
    expect(renamed).toMatchObject({ name: "Me", role: "admin" });
  });

  it("narrows the user's keys at once when its role is lowered", async () => {
    const t = await seedTenancy();
    const admin = await seedUserKey(t, "admin", []);
    await ok(await send(admin.key, "PATCH", `${PATH}/${t.userIds.user}`, { name: "while admin" }));
    await ok(await send(t.keys.orgAdmin, "PATCH", `${PATH}/${admin.userId}`, { role: "user" }));
    await expectProblem(
      await send(admin.key, "PATCH", `${PATH}/${t.userIds.user}`, { name: "x" }),
      403,
      "forbidden",
    );
  });

  it.each(users)("refuses %s with 403 forbidden, even on itself", async (kind) => {
    const t = await seedTenancy();
    await expectProblem(
      await send(t.keys[kind], "PATCH", `${PATH}/${t.userIds.user}`, { name: "x" }),
      403,
      "forbidden",
    );
    expect(await auditOf(t.userIds.user)).toEqual([]);
  });

  it("answers 404 for another organization's user and 409 archived for a disabled one", async () => {
    const t = await seedTenancy();
    const other = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "PATCH", `${PATH}/${other.userIds.user}`, { name: "x" }),
      404,
      "user_not_found",
    );
    await ok(await send(t.keys.orgAdmin, "DELETE", `${PATH}/${t.userIds.user}`));
    await expectProblem(
      await send(t.keys.orgAdmin, "PATCH", `${PATH}/${t.userIds.user}`, { name: "x" }),
      409,
      "archived",
    );
  });

  it.each([
    ["an empty body", {}],
    ["an unknown role", { role: "root" }],
    ["an email change", { email: "new@example.com" }],
    ["a status change", { status: "disabled" }],
  ])("answers 400 for %s", async (_, body) => {
    const t = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "PATCH", `${PATH}/${t.userIds.user}`, body),
      400,
      "validation_failed",
    );
  });
});

describe("DELETE /v1/admin/users/{id}", () => {
  it.each(admins)(
    "lets %s disable a user: its keys stop at once, the record stays, audited",
    async (kind) => {
      const t = await seedTenancy();
      await ok(await send(t.keys.userKey, "GET", `${PATH}/${t.userIds.user}`)); // cached as a valid caller
      const res = await send(t.keys[kind], "DELETE", `${PATH}/${t.userIds.user}`);
      const disabled = await ok<UserBody>(res.clone());
      expect(disabled).toMatchObject({ id: t.userIds.user, status: "disabled" });
      const [row] = await rows<{ disabled_at: number | null }>(
        "SELECT disabled_at FROM users WHERE id = ?",
        t.userIds.user,
      );
      expect(row?.disabled_at).toEqual(expect.any(Number));
      await expectProblem(
        await send(t.keys.userKey, "GET", `${PATH}/${t.userIds.user}`),
        401,
        "unauthorized",
      );
      expect(await ok<UserBody>(await send(t.keys[kind], "GET", `${PATH}/${t.userIds.user}`))).toEqual(
        disabled,
      );
      const audit = await auditOf(t.userIds.user);
      expect(audit[0]).toMatchObject({
        action: "user.disable",
        before: { ...disabled, status: "active" },
        after: disabled,
        request_id: res.headers.get("x-request-id"),
      });
      await expectProblem(await send(t.keys[kind], "DELETE", `${PATH}/${t.userIds.user}`), 409, "archived");
      expect(await auditOf(t.userIds.user)).toHaveLength(1);
    },
  );

  it("refuses disabling the caller's own user or a higher role (403)", async () => {
    const t = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "DELETE", `${PATH}/${t.userIds.orgAdmin}`),
      403,
      "forbidden",
    );
    const boss = await seedUser(env.DB, { organizationId: t.organizationId, role: "super_admin" });
    await expectProblem(await send(t.keys.orgAdmin, "DELETE", `${PATH}/${boss.userId}`), 403, "forbidden");
    await ok(await send(t.keys.orgAdmin, "GET", PATH)); // still works
  });

  it.each(users)("refuses %s with 403 forbidden", async (kind) => {
    const t = await seedTenancy();
    await expectProblem(await send(t.keys[kind], "DELETE", `${PATH}/${t.userIds.user}`), 403, "forbidden");
  });

  it("answers 404 for another organization's user", async () => {
    const t = await seedTenancy();
    const other = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "DELETE", `${PATH}/${other.userIds.user}`),
      404,
      "user_not_found",
    );
    await ok(await send(other.keys.userKey, "GET", `${PATH}/${other.userIds.user}`));
  });
});

describe("concurrent changes", () => {
  it("disables once when two disables race: one 200, one 409, one audit record", async () => {
    const t = await seedTenancy();
    const results = await Promise.all([
      send(t.keys.orgAdmin, "DELETE", `${PATH}/${t.userIds.user}`),
      send(t.keys.instanceAdmin, "DELETE", `${PATH}/${t.userIds.user}`),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await auditOf(t.userIds.user)).map((a) => a.action)).toEqual(["user.disable"]);
  });
});
