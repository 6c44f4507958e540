// Instances over the admin API: every role against every route (allowed, 403, 404 out of reach),
// cross-organization isolation, archiving (its keys stop at once, further changes are 409),
// audit records, bad input and cursor pages.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { imageKey } from "../../consumers/src/store-images";
import { authHeaders, seedKey, seedOrgKey, seedSuperAdmin, seedTenant, seedUser } from "../support/tenant";
import { call, expectProblem, rows } from "./helpers";

interface Instance {
  id: string;
  object: "instance";
  organization_id: string;
  name: string;
  status: "active" | "archived";
  monthly_budget_usd: number | null;
  fallback_providers: string[] | null;
  r2_prefix: string;
  image_url_ttl_seconds: number | null;
  image_retention_days: number | null;
  archive_after_days: number;
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
  action: string;
  resource_type: string;
  before: string | null;
  after: string | null;
  request_id: string;
}

const INSTANCES = "/v1/admin/instances";

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

const ids = (list: List<Instance>) => list.data.map((i) => i.id);

/** Org A (a tenant plus an org-wide admin), org B (a tenant), and a super_admin elsewhere. */
async function world() {
  const a = await seedTenant(env.DB);
  const admin = await seedOrgKey(env.DB, { organizationId: a.organizationId, role: "admin" });
  const superAdmin = await seedSuperAdmin(env.DB);
  const b = await seedTenant(env.DB);
  return { a, b, admin, superAdmin };
}

const create = async (key: string, body: Record<string, unknown>) =>
  ok<Instance>(await send(key, INSTANCES, "POST", body), 201);

describe("POST /v1/admin/instances", () => {
  it("creates an instance in the admin's organization, with its r2_prefix, and audits it", async () => {
    const { a, admin } = await world();
    const res = await send(admin.key, INSTANCES, "POST", { name: "production", monthly_budget_usd: 250 });
    const ins = await ok<Instance>(res, 201);
    expect(ins).toEqual({
      id: expect.stringMatching(/^ins_[0-9a-z]{20}$/),
      object: "instance",
      organization_id: a.organizationId,
      name: "production",
      status: "active",
      monthly_budget_usd: 250,
      fallback_providers: null,
      r2_prefix: `${ins.id}/`,
      image_url_ttl_seconds: null,
      image_retention_days: null,
      archive_after_days: 30,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    // The prefix is the one the consumer really stores the instance's images under.
    expect(imageKey({ instanceId: ins.id, projectId: "prj_x", id: "job_x" }, 0, "image/png")).toMatch(
      new RegExp(`^${ins.r2_prefix}`),
    );
    const [audit, ...more] = await auditOf(ins.id);
    expect(more).toEqual([]);
    expect(audit).toMatchObject({
      organization_id: a.organizationId,
      actor_key_id: admin.id,
      action: "instance.create",
      resource_type: "instance",
      before: null,
      request_id: res.headers.get("x-request-id"),
    });
    expect(JSON.parse(audit!.after!)).toEqual(ins);
  });

  it("lets an admin name its own organization but not another (403)", async () => {
    const { a, b, admin } = await world();
    expect(
      (await create(admin.key, { name: "own", organization_id: a.organizationId })).organization_id,
    ).toBe(a.organizationId);
    await expectProblem(
      await send(admin.key, INSTANCES, "POST", { name: "theirs", organization_id: b.organizationId }),
      403,
      "forbidden",
    );
    expect(
      await rows("SELECT id FROM instances WHERE organization_id = ? AND name = 'theirs'", b.organizationId),
    ).toEqual([]);
  });

  it("lets a super_admin create in any organization; an unknown organization is a 404", async () => {
    const { b, superAdmin } = await world();
    const ins = await create(superAdmin.key, { name: "for b", organization_id: b.organizationId });
    expect(ins.organization_id).toBe(b.organizationId);
    expect((await auditOf(ins.id))[0]?.organization_id).toBe(b.organizationId);
    expect((await create(superAdmin.key, { name: "own" })).organization_id).toBe(superAdmin.organizationId);
    await expectProblem(
      await send(superAdmin.key, INSTANCES, "POST", {
        name: "x",
        organization_id: "org_nowhere0000000000000",
      }),
      404,
      "organization_not_found",
    );
  });

  it("is 403 for a key narrowed to an instance (admin or user) and for a user key", async () => {
    const { a } = await world();
    for (const key of [a.adminKey, a.userKey, a.instanceWideKey])
      await expectProblem(await send(key, INSTANCES, "POST", { name: "nope" }), 403, "forbidden");
  });

  it.each([
    ["no name", {}],
    ["an empty name", { name: "" }],
    ["a negative budget", { name: "x", monthly_budget_usd: -1 }],
    ["a huge budget", { name: "x", monthly_budget_usd: 1e12 }],
    ["a string budget", { name: "x", monthly_budget_usd: "100" }],
    ["an empty organization_id", { name: "x", organization_id: "" }],
    ["an unknown field", { name: "x", fallback_providers: ["openai"] }],
  ])("answers 400 validation_failed for %s", async (_, body) => {
    const { admin } = await world();
    await expectProblem(await send(admin.key, INSTANCES, "POST", body), 400, "validation_failed");
  });

  it("answers 400 malformed_json for a body that is not JSON", async () => {
    const { admin } = await world();
    await expectProblem(await send(admin.key, INSTANCES, "POST", "{name"), 400, "malformed_json");
    await expectProblem(
      await call(INSTANCES, {
        method: "POST",
        headers: { ...authHeaders(admin.key), "content-type": "application/json" },
      }),
      400,
      "malformed_json",
    );
  });
});

describe("GET /v1/admin/instances", () => {
  it("lists the organization's instances for an org-wide admin, in cursor pages, newest first", async () => {
    const { a, admin } = await world();
    const made = [];
    for (const name of ["one", "two", "three"]) made.push((await create(admin.key, { name })).id);
    const first = await ok<List<Instance>>(await send(admin.key, `${INSTANCES}?limit=2`));
    expect(ids(first)).toEqual([made[2], made[1]]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await ok<List<Instance>>(
      await send(admin.key, `${INSTANCES}?limit=2&cursor=${first.next_cursor}`),
    );
    expect(ids(second)).toEqual([made[0], a.instanceId]);
    expect(second.next_cursor).toBeNull();
  });

  it("lists only the key's instance for a narrowed admin key and a user key", async () => {
    const { a, admin } = await world();
    await create(admin.key, { name: "other" });
    for (const key of [a.adminKey, a.userKey, a.instanceWideKey])
      expect(ids(await ok<List<Instance>>(await send(key, INSTANCES)))).toEqual([a.instanceId]);
  });

  it("lists nothing for a user whose key names an instance it is not assigned to", async () => {
    const { a } = await world();
    const { userId } = await seedUser(env.DB, { organizationId: a.organizationId, role: "user" });
    const key = await seedKey(env.DB, { instanceId: a.instanceId, projectId: null, userId, role: "user" });
    expect(ids(await ok<List<Instance>>(await send(key.key, INSTANCES)))).toEqual([]);
    await expectProblem(await send(key.key, `${INSTANCES}/${a.instanceId}`), 404, "instance_not_found");
  });

  it("filters by organization_id for a super_admin; another organization is a 404 for an admin", async () => {
    const { a, b, admin, superAdmin } = await world();
    const list = await ok<List<Instance>>(
      await send(superAdmin.key, `${INSTANCES}?organization_id=${b.organizationId}`),
    );
    expect(ids(list)).toEqual([b.instanceId]);
    await expectProblem(
      await send(superAdmin.key, `${INSTANCES}?organization_id=org_nowhere0000000000000`),
      404,
      "organization_not_found",
    );
    await expectProblem(
      await send(admin.key, `${INSTANCES}?organization_id=${b.organizationId}`),
      404,
      "organization_not_found",
    );
    const own = await ok<List<Instance>>(
      await send(admin.key, `${INSTANCES}?organization_id=${a.organizationId}`),
    );
    expect(ids(own)).toEqual([a.instanceId]);
  });

  it("never shows another organization's instances", async () => {
    const { a, b, admin } = await world();
    for (const key of [admin.key, a.adminKey, a.userKey]) {
      const list = await ok<List<Instance>>(await send(key, `${INSTANCES}?limit=100`));
      expect(ids(list)).not.toContain(b.instanceId);
      expect(list.data.every((i) => i.organization_id === a.organizationId)).toBe(true);
    }
  });

  it.each([["limit=0"], ["limit=101"], ["cursor=%25"], ["organization_id="]])(
    "answers 400 validation_failed for %s",
    async (query) => {
      const { admin } = await world();
      await expectProblem(await send(admin.key, `${INSTANCES}?${query}`), 400, "validation_failed");
    },
  );
});

describe("GET /v1/admin/instances/{id}", () => {
  it("reads a reachable instance with every role; another organization's is a 404", async () => {
    const { a, b, admin, superAdmin } = await world();
    for (const key of [admin.key, a.adminKey, a.userKey])
      expect((await ok<Instance>(await send(key, `${INSTANCES}/${a.instanceId}`))).id).toBe(a.instanceId);
    for (const key of [admin.key, a.adminKey, a.userKey])
      await expectProblem(await send(key, `${INSTANCES}/${b.instanceId}`), 404, "instance_not_found");
    expect((await ok<Instance>(await send(superAdmin.key, `${INSTANCES}/${b.instanceId}`))).id).toBe(
      b.instanceId,
    );
  });

  it("is a 404 for a narrowed key asking for another instance of its organization", async () => {
    const { a, admin } = await world();
    const other = await create(admin.key, { name: "other" });
    for (const key of [a.adminKey, a.userKey])
      await expectProblem(await send(key, `${INSTANCES}/${other.id}`), 404, "instance_not_found");
  });

  it("answers 400 for an id too long and 404 for one that does not exist", async () => {
    const { admin } = await world();
    await expectProblem(await send(admin.key, `${INSTANCES}/${"i".repeat(65)}`), 400, "validation_failed");
    await expectProblem(
      await send(admin.key, `${INSTANCES}/ins_nowhere0000000000000`),
      404,
      "instance_not_found",
    );
  });
});

describe("PATCH /v1/admin/instances/{id}", () => {
  it("renames and re-budgets an instance (org-wide or narrowed admin) and audits before/after", async () => {
    const { a, admin } = await world();
    const path = `${INSTANCES}/${a.instanceId}`;
    const res = await send(admin.key, path, "PATCH", { name: "renamed", monthly_budget_usd: 99.5 });
    const ins = await ok<Instance>(res);
    expect(ins).toMatchObject({ name: "renamed", monthly_budget_usd: 99.5, status: "active" });
    const [audit] = await auditOf(a.instanceId);
    expect(audit).toMatchObject({
      organization_id: a.organizationId,
      action: "instance.update",
      actor_key_id: admin.id,
      request_id: res.headers.get("x-request-id"),
    });
    expect(JSON.parse(audit!.before!)).toMatchObject({ name: "test instance", monthly_budget_usd: null });
    expect(JSON.parse(audit!.after!)).toEqual(ins);

    const cleared = await ok<Instance>(await send(a.adminKey, path, "PATCH", { monthly_budget_usd: null }));
    expect(cleared).toMatchObject({ name: "renamed", monthly_budget_usd: null });
    expect((await auditOf(a.instanceId)).length).toBe(2);
  });

  it("is 403 for a user key, 404 for another organization or another instance of a narrowed key", async () => {
    const { a, b, admin } = await world();
    await expectProblem(
      await send(a.userKey, `${INSTANCES}/${a.instanceId}`, "PATCH", { name: "x" }),
      403,
      "forbidden",
    );
    await expectProblem(
      await send(admin.key, `${INSTANCES}/${b.instanceId}`, "PATCH", { name: "x" }),
      404,
      "instance_not_found",
    );
    const other = await create(admin.key, { name: "other" });
    await expectProblem(
      await send(a.adminKey, `${INSTANCES}/${other.id}`, "PATCH", { name: "x" }),
      404,
      "instance_not_found",
    );
    expect(await auditOf(b.instanceId)).toEqual([]);
    expect(await auditOf(a.instanceId)).toEqual([]);
  });

  it.each([
    ["an empty body", {}],
    ["a negative budget", { monthly_budget_usd: -5 }],
    ["a null name", { name: null }],
    ["an unknown field", { organization_id: "org_x" }],
  ])("answers 400 validation_failed for %s", async (_, body) => {
    const { a, admin } = await world();
    await expectProblem(
      await send(admin.key, `${INSTANCES}/${a.instanceId}`, "PATCH", body),
      400,
      "validation_failed",
    );
  });
});

describe("DELETE /v1/admin/instances/{id} (archive)", () => {
  it("archives: 200 archived, audit record, its keys stop at once, further changes are 409", async () => {
    const { a, admin } = await world();
    // The instance's keys work, and are now in this isolate's key cache.
    for (const key of [a.userKey, a.adminKey, a.instanceWideKey])
      expect((await send(key, "/v1/me")).status).toBe(200);
    const path = `${INSTANCES}/${a.instanceId}`;
    const res = await send(admin.key, path, "DELETE");
    const ins = await ok<Instance>(res);
    expect(ins).toMatchObject({ id: a.instanceId, status: "archived" });
    const [row] = await rows<{ archived_at: number | null }>(
      "SELECT archived_at FROM instances WHERE id = ?",
      a.instanceId,
    );
    expect(row?.archived_at).toEqual(expect.any(Number));
    const [audit] = await auditOf(a.instanceId);
    expect(audit).toMatchObject({ action: "instance.archive", request_id: res.headers.get("x-request-id") });
    expect(JSON.parse(audit!.before!)).toMatchObject({ status: "active" });
    expect(JSON.parse(audit!.after!)).toEqual(ins);

    for (const key of [a.userKey, a.adminKey, a.instanceWideKey])
      await expectProblem(await send(key, "/v1/me"), 401, "unauthorized");
    await expectProblem(await send(admin.key, path, "DELETE"), 409, "archived");
    await expectProblem(await send(admin.key, path, "PATCH", { name: "x" }), 409, "archived");
    expect((await auditOf(a.instanceId)).length).toBe(1);
    // Still readable and listed, as archived.
    expect((await ok<Instance>(await send(admin.key, path))).status).toBe("archived");
    const list = await ok<List<Instance>>(await send(admin.key, INSTANCES));
    expect(list.data.find((i) => i.id === a.instanceId)?.status).toBe("archived");
    // The organization-wide key is not the instance's: it keeps working.
    expect((await send(admin.key, "/v1/me")).status).toBe(200);
  });

  it("lets a super_admin archive another organization's instance", async () => {
    const { b, superAdmin } = await world();
    expect(
      (await ok<Instance>(await send(superAdmin.key, `${INSTANCES}/${b.instanceId}`, "DELETE"))).status,
    ).toBe("archived");
    await expectProblem(await send(b.userKey, "/v1/me"), 401, "unauthorized");
  });

  it("is 403 for a user key and 404 for another organization's instance; nothing is archived", async () => {
    const { a, b, admin } = await world();
    await expectProblem(await send(a.userKey, `${INSTANCES}/${a.instanceId}`, "DELETE"), 403, "forbidden");
    await expectProblem(
      await send(admin.key, `${INSTANCES}/${b.instanceId}`, "DELETE"),
      404,
      "instance_not_found",
    );
    const archived = await rows(
      "SELECT id FROM instances WHERE id IN (?, ?) AND archived_at IS NOT NULL",
      a.instanceId,
      b.instanceId,
    );
    expect(archived).toEqual([]);
    expect((await send(b.userKey, "/v1/me")).status).toBe(200);
  });
});
