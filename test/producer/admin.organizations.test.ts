// Organizations over the admin API: every role against every route (allowed, 403, 404 for another
// organization), audit records, disabling (keys stop at once), bad input and cursor pages.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { authHeaders, seedOrgKey, seedSuperAdmin, seedTenant } from "../support/tenant";
import { call, expectProblem, rows } from "./helpers";

interface Organization {
  id: string;
  object: "organization";
  name: string;
  status: "active" | "disabled";
  created_at: string;
}
interface List<T> {
  object: "list";
  data: T[];
  next_cursor: string | null;
}
interface AuditRow {
  organization_id: string | null;
  actor_key_id: string;
  actor_user_id: string | null;
  action: string;
  resource_type: string;
  before: string | null;
  after: string | null;
  request_id: string;
}

const ORGS = "/v1/admin/organizations";

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

const auditOf = (resourceId: string) =>
  rows<AuditRow>("SELECT * FROM audit_log WHERE resource_id = ? ORDER BY created_at", resourceId);

/** A tenant (org A) with each role's key, and a second tenant (org B). */
async function world() {
  const a = await seedTenant(env.DB);
  const admin = await seedOrgKey(env.DB, { organizationId: a.organizationId, role: "admin" });
  const superAdmin = await seedSuperAdmin(env.DB);
  const b = await seedTenant(env.DB);
  return { a, b, admin, superAdmin };
}

describe("GET /v1/admin/organizations", () => {
  it("lists only the caller's own organization for admin, narrowed admin and user keys", async () => {
    const { a, admin } = await world();
    for (const key of [admin.key, a.adminKey, a.userKey]) {
      const list = await ok<List<Organization>>(await send(key, ORGS));
      expect(list.object).toBe("list");
      expect(list.data.map((o) => o.id)).toEqual([a.organizationId]);
      expect(list.next_cursor).toBeNull();
      expect(list.data[0]).toEqual({
        id: a.organizationId,
        object: "organization",
        name: "test org",
        status: "active",
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    }
  });

  it("lists every organization for a super_admin, newest first, in cursor pages", async () => {
    const { superAdmin } = await world();
    const created: string[] = [];
    for (const name of ["p1", "p2", "p3"])
      created.push((await ok<Organization>(await send(superAdmin.key, ORGS, "POST", { name }), 201)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page: List<Organization> = await ok<List<Organization>>(await send(superAdmin.key, ORGS + query));
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((o) => o.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 1000);
    expect(new Set(seen).size).toBe(seen.length);
    // Newest first: the three created last appear in reverse order of creation.
    const positions = created.map((id) => seen.indexOf(id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((x, y) => y - x));
    expect(seen).toContain(superAdmin.organizationId);
  });

  it.each([["limit=0"], ["limit=101"], ["limit=x"], ["cursor=%25"], ["cursor=bm90LWEtY3Vyc29y"]])(
    "answers 400 validation_failed for %s",
    async (query) => {
      const { admin } = await world();
      await expectProblem(await send(admin.key, `${ORGS}?${query}`), 400, "validation_failed");
    },
  );
});

describe("POST /v1/admin/organizations", () => {
  it("creates an organization for a super_admin and audits it system-wide", async () => {
    const { superAdmin } = await world();
    const res = await send(superAdmin.key, ORGS, "POST", { name: "  Acme  " });
    const org = await ok<Organization>(res, 201);
    expect(org).toMatchObject({ object: "organization", name: "Acme", status: "active" });
    expect(org.id).toMatch(/^org_/);
    expect(await ok<Organization>(await send(superAdmin.key, `${ORGS}/${org.id}`))).toEqual(org);
    const [audit, ...more] = await auditOf(org.id);
    expect(more).toEqual([]);
    expect(audit).toMatchObject({
      organization_id: null,
      actor_key_id: superAdmin.id,
      actor_user_id: superAdmin.userId,
      action: "organization.create",
      resource_type: "organization",
      before: null,
      request_id: res.headers.get("x-request-id"),
    });
    expect(JSON.parse(audit!.after!)).toEqual(org);
  });

  it("is 403 forbidden for admin, narrowed admin and user keys, and writes nothing", async () => {
    const { a, admin } = await world();
    for (const key of [admin.key, a.adminKey, a.userKey, a.instanceWideKey])
      await expectProblem(await send(key, ORGS, "POST", { name: "nope" }), 403, "forbidden");
    expect(await rows("SELECT id FROM organizations WHERE name = 'nope'")).toEqual([]);
  });

  it.each([
    ["no name", {}],
    ["an empty name", { name: "   " }],
    ["a long name", { name: "x".repeat(101) }],
    ["a number", { name: 42 }],
    ["an unknown field", { name: "ok", status: "disabled" }],
    ["an array", [{ name: "ok" }]],
  ])("answers 400 validation_failed for %s", async (_, body) => {
    const { superAdmin } = await world();
    await expectProblem(await send(superAdmin.key, ORGS, "POST", body), 400, "validation_failed");
  });

  it("answers 400 malformed_json and 415 for bodies that are not JSON", async () => {
    const { superAdmin } = await world();
    await expectProblem(await send(superAdmin.key, ORGS, "POST", "{"), 400, "malformed_json");
    await expectProblem(
      await call(ORGS, {
        method: "POST",
        headers: { ...authHeaders(superAdmin.key), "content-type": "text/plain" },
        body: "name=x",
      }),
      415,
      "unsupported_media_type",
    );
  });
});

describe("GET /v1/admin/organizations/{id}", () => {
  it("reads the caller's own organization with every role", async () => {
    const { a, admin } = await world();
    for (const key of [admin.key, a.adminKey, a.userKey]) {
      const org = await ok<Organization>(await send(key, `${ORGS}/${a.organizationId}`));
      expect(org.id).toBe(a.organizationId);
    }
  });

  it("is 404 for another organization (any non-super_admin role), any organization for a super_admin", async () => {
    const { a, b, admin, superAdmin } = await world();
    for (const key of [admin.key, a.adminKey, a.userKey])
      await expectProblem(await send(key, `${ORGS}/${b.organizationId}`), 404, "organization_not_found");
    expect((await ok<Organization>(await send(superAdmin.key, `${ORGS}/${b.organizationId}`))).id).toBe(
      b.organizationId,
    );
    await expectProblem(
      await send(superAdmin.key, `${ORGS}/org_nowhere0000000000000`),
      404,
      "organization_not_found",
    );
    await expectProblem(await send(superAdmin.key, `${ORGS}/${"o".repeat(65)}`), 400, "validation_failed");
  });
});

describe("PATCH /v1/admin/organizations/{id}", () => {
  it("lets an admin rename its own organization and audits before/after", async () => {
    const { a, admin } = await world();
    const res = await send(admin.key, `${ORGS}/${a.organizationId}`, "PATCH", { name: "Renamed" });
    const org = await ok<Organization>(res);
    expect(org).toMatchObject({ id: a.organizationId, name: "Renamed", status: "active" });
    const [audit] = await auditOf(a.organizationId);
    expect(audit).toMatchObject({
      organization_id: a.organizationId,
      action: "organization.update",
      actor_key_id: admin.id,
      request_id: res.headers.get("x-request-id"),
    });
    expect(JSON.parse(audit!.before!)).toMatchObject({ name: "test org" });
    expect(JSON.parse(audit!.after!)).toEqual(org);
  });

  it("is 403 for an admin changing status, a narrowed admin key and a user key", async () => {
    const { a, admin } = await world();
    const path = `${ORGS}/${a.organizationId}`;
    await expectProblem(await send(admin.key, path, "PATCH", { status: "disabled" }), 403, "forbidden");
    await expectProblem(await send(admin.key, path, "PATCH", { status: "active" }), 403, "forbidden");
    await expectProblem(await send(a.adminKey, path, "PATCH", { name: "x" }), 403, "forbidden");
    await expectProblem(await send(a.userKey, path, "PATCH", { name: "x" }), 403, "forbidden");
    expect(await auditOf(a.organizationId)).toEqual([]);
  });

  it("is 404 for another organization", async () => {
    const { b, admin } = await world();
    await expectProblem(
      await send(admin.key, `${ORGS}/${b.organizationId}`, "PATCH", { name: "mine now" }),
      404,
      "organization_not_found",
    );
    expect(await auditOf(b.organizationId)).toEqual([]);
  });

  it("disables an organization (super_admin): its keys stop at once, and work again once re-enabled", async () => {
    const { b, superAdmin } = await world();
    const bAdmin = await seedOrgKey(env.DB, { organizationId: b.organizationId, role: "admin" });
    const keys = [b.userKey, b.adminKey, bAdmin.key];
    // Looked up (and cached in this isolate) before the change.
    for (const key of keys) expect((await send(key, "/v1/me")).status).toBe(200);
    const path = `${ORGS}/${b.organizationId}`;
    const disabled = await ok<Organization>(
      await send(superAdmin.key, path, "PATCH", { status: "disabled" }),
    );
    expect(disabled.status).toBe("disabled");
    for (const key of keys) await expectProblem(await send(key, "/v1/me"), 401, "unauthorized");
    const [row] = await rows<{ disabled_at: number | null }>(
      "SELECT disabled_at FROM organizations WHERE id = ?",
      b.organizationId,
    );
    expect(row?.disabled_at).toEqual(expect.any(Number));
    const [audit] = await auditOf(b.organizationId);
    expect(JSON.parse(audit!.before!)).toMatchObject({ status: "active" });
    expect(JSON.parse(audit!.after!)).toMatchObject({ status: "disabled" });

    expect(
      (await ok<Organization>(await send(superAdmin.key, path, "PATCH", { status: "active" }))).status,
    ).toBe("active");
    for (const key of keys) expect((await send(key, "/v1/me")).status).toBe(200);
    expect((await auditOf(b.organizationId)).length).toBe(2);
  });

  it("refuses to let a super_admin disable its own organization", async () => {
    const { superAdmin } = await world();
    await expectProblem(
      await send(superAdmin.key, `${ORGS}/${superAdmin.organizationId}`, "PATCH", { status: "disabled" }),
      403,
      "forbidden",
    );
  });

  it.each([
    ["an empty body", {}],
    ["an unknown status", { status: "paused" }],
    ["an empty name", { name: "" }],
    ["an unknown field", { name: "x", disabled_at: 1 }],
  ])("answers 400 validation_failed for %s", async (_, body) => {
    const { superAdmin, a } = await world();
    await expectProblem(
      await send(superAdmin.key, `${ORGS}/${a.organizationId}`, "PATCH", body),
      400,
      "validation_failed",
    );
  });
});
