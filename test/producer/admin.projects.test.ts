// /v1/admin/projects: every kind of caller against every route (allowed and denied), reach (a user
// only where it is assigned, another organization's projects are 404), archiving, audit records,
// pages and bad input (400 problem+json, never 5xx).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "../../shared/ids";
import { generateMasterKey } from "../../shared/providers/keys/crypto";
import { authHeaders, seedOrgKey, seedTenant } from "../support/tenant";
import { call, callWith, expectProblem, rows } from "./helpers";
import {
  auditOf,
  type CallerKind,
  ok,
  seedTenancy,
  seedUserKey,
  send,
  type Tenancy,
} from "./tenancy-fixtures";

interface ProjectBody {
  id: string;
  object: string;
  instance_id: string;
  name: string;
  status: "active" | "archived";
  webhook_url: string | null;
  created_at: string;
}
interface ListBody {
  object: string;
  data: ProjectBody[];
  next_cursor: string | null;
}

const PATH = "/v1/admin/projects";
const kinds: CallerKind[] = ["superAdmin", "orgAdmin", "instanceAdmin", "serviceKey", "userKey"];
const admins: CallerKind[] = ["superAdmin", "orgAdmin", "instanceAdmin"];
const users: CallerKind[] = ["serviceKey", "userKey"];

/** Org-wide keys have no instance of their own: they name it. */
const createBody = (t: Tenancy, kind: CallerKind, name = "storefront") =>
  kind === "superAdmin" || kind === "orgAdmin" ? { name, instance_id: t.instanceId } : { name };

async function createProject(t: Tenancy, kind: CallerKind = "instanceAdmin", name?: string) {
  return ok<ProjectBody>(await send(t.keys[kind], "POST", PATH, createBody(t, kind, name)), 201);
}

async function seedInstance(organizationId: string, archived = false): Promise<string> {
  const id = newId("ins");
  await env.DB.prepare(
    "INSERT INTO instances (id, organization_id, name, archived_at, created_at) VALUES (?, ?, 'second', ?, ?)",
  )
    .bind(id, organizationId, archived ? Date.now() : null, Date.now())
    .run();
  return id;
}

describe("POST /v1/admin/projects", () => {
  it.each(kinds)("lets %s create a project in the tenant's instance, with an audit record", async (kind) => {
    const t = await seedTenancy();
    const res = await send(t.keys[kind], "POST", PATH, createBody(t, kind, "  storefront  "));
    const project = await ok<ProjectBody>(res.clone(), 201);
    expect(project).toEqual({
      id: expect.stringMatching(/^prj_[0-9a-z]{20}$/),
      object: "project",
      instance_id: t.instanceId,
      name: "storefront",
      status: "active",
      webhook_url: null,
      created_at: expect.any(String),
    });
    const [row] = await rows<{ webhook_secret: string | null; archived_at: number | null }>(
      "SELECT webhook_secret, archived_at FROM projects WHERE id = ?",
      project.id,
    );
    // Its webhook secret is made later, by the admin who sets its URL (the one answer that shows it).
    expect(row?.webhook_secret).toBeNull();
    expect(row?.archived_at).toBeNull();
    const audit = await auditOf(project.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      organization_id: t.organizationId,
      action: "project.create",
      resource_type: "project",
      before: null,
      after: project,
      request_id: res.headers.get("x-request-id"),
    });
    expect(audit[0]?.actor_key_id).toEqual(expect.stringMatching(/^key_/));
    expect(JSON.stringify(audit[0])).not.toContain("whsec_");
  });

  it("lets a user assigned to an instance create a project there, and not one it is not assigned to (404)", async () => {
    const t = await seedTenancy();
    const assigned = await seedUserKey(t, "user", [t.instanceId]);
    await ok(await send(assigned.key, "POST", PATH, { name: "mine" }), 201);
    const unassigned = await seedUserKey(t, "user", []);
    await expectProblem(await send(unassigned.key, "POST", PATH, { name: "x" }), 404, "instance_not_found");
    await expectProblem(
      await send(unassigned.key, "POST", PATH, { name: "x", instance_id: t.instanceId }),
      404,
      "instance_not_found",
    );
    expect(await rows("SELECT id FROM projects WHERE instance_id = ? AND name = 'x'", t.instanceId)).toEqual(
      [],
    );
  });

  it("answers 404 instance_not_found for another organization's instance or one beyond the key's instance", async () => {
    const t = await seedTenancy();
    const other = await seedTenant(env.DB);
    for (const kind of kinds) {
      const res = await send(t.keys[kind], "POST", PATH, { name: "x", instance_id: other.instanceId });
      if (kind === "superAdmin") await ok(res, 201);
      else await expectProblem(res, 404, "instance_not_found");
    }
    const second = await seedInstance(t.organizationId);
    await ok(await send(t.keys.orgAdmin, "POST", PATH, { name: "x", instance_id: second }), 201);
    await expectProblem(
      await send(t.keys.instanceAdmin, "POST", PATH, { name: "x", instance_id: second }),
      404,
      "instance_not_found",
    );
  });

  it("answers 409 archived for an archived instance", async () => {
    const t = await seedTenancy();
    const archived = await seedInstance(t.organizationId, true);
    await expectProblem(
      await send(t.keys.orgAdmin, "POST", PATH, { name: "x", instance_id: archived }),
      409,
      "archived",
    );
  });

  it("needs instance_id from an organization-wide key (400)", async () => {
    const t = await seedTenancy();
    const body = await expectProblem(
      await send(t.keys.orgAdmin, "POST", PATH, { name: "x" }),
      400,
      "validation_failed",
    );
    expect(body.errors?.[0]?.path).toBe("instance_id");
  });

  it.each([
    ["no name", {}],
    ["an empty name", { name: "   " }],
    ["a long name", { name: "x".repeat(101) }],
    ["a name that is not a string", { name: 7 }],
    ["an unknown field", { name: "x", webhook_url: "https://example.com" }],
    ["an empty instance_id", { name: "x", instance_id: "" }],
    ["an array", [1]],
  ])("answers 400 validation_failed for %s", async (_, body) => {
    const t = await seedTenancy();
    await expectProblem(await send(t.keys.instanceAdmin, "POST", PATH, body), 400, "validation_failed");
  });

  it("answers 400 malformed_json and 415 for bodies that are not JSON", async () => {
    const t = await seedTenancy();
    await expectProblem(await send(t.keys.instanceAdmin, "POST", PATH, "{"), 400, "malformed_json");
    await expectProblem(
      await call(PATH, {
        method: "POST",
        headers: { authorization: `Bearer ${t.keys.instanceAdmin}`, "content-type": "text/plain" },
        body: "name",
      }),
      415,
      "unsupported_media_type",
    );
  });
});

describe("GET /v1/admin/projects", () => {
  it.each(kinds)("lists the tenant's projects for %s", async (kind) => {
    const t = await seedTenancy();
    const made = await createProject(t);
    const query = kind === "superAdmin" ? `?instance_id=${t.instanceId}` : "";
    const body = await ok<ListBody>(await send(t.keys[kind], "GET", `${PATH}${query}`));
    expect(body.object).toBe("list");
    expect(body.data.map((p) => p.id).sort()).toEqual([made.id, t.projectId].sort());
    expect(body.data.find((p) => p.id === made.id)).toEqual(made);
  });

  it("shows a user only the instances it is assigned to; an admin its whole organization; nobody another's", async () => {
    const t = await seedTenancy();
    const second = await seedInstance(t.organizationId);
    const there = await ok<ProjectBody>(
      await send(t.keys.orgAdmin, "POST", PATH, { name: "there", instance_id: second }),
      201,
    );
    const ids = async (key: string, query = "") =>
      (await ok<ListBody>(await send(key, "GET", `${PATH}${query}`))).data.map((p) => p.id);
    expect(await ids(t.keys.orgAdmin)).toContain(there.id);
    expect(await ids(t.keys.userKey)).not.toContain(there.id);
    expect(await ids(t.keys.instanceAdmin)).not.toContain(there.id);
    const other = await seedOrgKey(env.DB, {
      organizationId: (await seedTenant(env.DB)).organizationId,
      role: "admin",
    });
    expect(await ids(other.key)).not.toContain(there.id);
    expect(await ids(other.key)).not.toContain(t.projectId);
    for (const key of [other.key, t.keys.userKey, t.keys.instanceAdmin])
      await expectProblem(await send(key, "GET", `${PATH}?instance_id=${second}`), 404, "instance_not_found");
  });

  it("includes archived projects with status archived", async () => {
    const t = await seedTenancy();
    const made = await createProject(t);
    await ok(await send(t.keys.instanceAdmin, "DELETE", `${PATH}/${made.id}`));
    const body = await ok<ListBody>(await send(t.keys.userKey, "GET", PATH));
    expect(body.data.find((p) => p.id === made.id)?.status).toBe("archived");
  });

  it("pages newest first with next_cursor until the last page", async () => {
    const t = await seedTenancy();
    for (let i = 0; i < 4; i++) await createProject(t, "instanceAdmin", `p${i}`);
    const all = await ok<ListBody>(await send(t.keys.instanceAdmin, "GET", `${PATH}?limit=100`));
    expect(all.data).toHaveLength(5);
    expect(all.next_cursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page: ListBody = await ok<ListBody>(await send(t.keys.instanceAdmin, "GET", `${PATH}${query}`));
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((p) => p.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.data.map((p) => p.id));
    const created = all.data.map((p) => p.created_at);
    expect([...created].sort().reverse()).toEqual(created);
  });

  it.each(["?limit=0", "?limit=101", "?limit=x", "?cursor=%25", "?cursor=bm9wZQ", "?instance_id="])(
    "answers 400 validation_failed for %s",
    async (query) => {
      const t = await seedTenancy();
      await expectProblem(
        await send(t.keys.instanceAdmin, "GET", `${PATH}${query}`),
        400,
        "validation_failed",
      );
    },
  );
});

describe("GET /v1/admin/projects/{id}", () => {
  it.each(kinds)("shows %s a project of the tenant", async (kind) => {
    const t = await seedTenancy();
    const made = await createProject(t);
    expect(await ok<ProjectBody>(await send(t.keys[kind], "GET", `${PATH}/${made.id}`))).toEqual(made);
  });

  it("answers 404 project_not_found for another organization's project, one out of a user's reach, and none", async () => {
    const t = await seedTenancy();
    const other = await seedTenant(env.DB);
    await expectProblem(
      await send(t.keys.orgAdmin, "GET", `${PATH}/${other.projectId}`),
      404,
      "project_not_found",
    );
    const unassigned = await seedUserKey(t, "user", []);
    await expectProblem(
      await send(unassigned.key, "GET", `${PATH}/${t.projectId}`),
      404,
      "project_not_found",
    );
    await expectProblem(await send(t.keys.orgAdmin, "GET", `${PATH}/prj_nowhere`), 404, "project_not_found");
    await expectProblem(
      await send(t.keys.orgAdmin, "GET", `${PATH}/${"p".repeat(65)}`),
      400,
      "validation_failed",
    );
  });
});

describe("PATCH /v1/admin/projects/{id}", () => {
  it.each(admins)("lets %s rename a project, with before and after in the audit record", async (kind) => {
    const t = await seedTenancy();
    const made = await createProject(t);
    const res = await send(t.keys[kind], "PATCH", `${PATH}/${made.id}`, { name: "renamed" });
    const changed = await ok<ProjectBody>(res.clone());
    expect(changed).toEqual({ ...made, name: "renamed" });
    const [row] = await rows<{ name: string }>("SELECT name FROM projects WHERE id = ?", made.id);
    expect(row?.name).toBe("renamed");
    const audit = await auditOf(made.id);
    expect(audit.map((a) => a.action)).toEqual(["project.create", "project.update"]);
    expect(audit[1]).toMatchObject({
      organization_id: t.organizationId,
      before: made,
      after: changed,
      request_id: res.headers.get("x-request-id"),
    });
  });

  it.each(users)("refuses %s with 403 forbidden and changes nothing", async (kind) => {
    const t = await seedTenancy();
    const made = await createProject(t);
    await expectProblem(
      await send(t.keys[kind], "PATCH", `${PATH}/${made.id}`, { name: "no" }),
      403,
      "forbidden",
    );
    expect((await auditOf(made.id)).map((a) => a.action)).toEqual(["project.create"]);
  });

  it("answers 404 for another organization's project and 409 archived for an archived one", async () => {
    const t = await seedTenancy();
    const other = await seedTenant(env.DB);
    await expectProblem(
      await send(t.keys.orgAdmin, "PATCH", `${PATH}/${other.projectId}`, { name: "x" }),
      404,
      "project_not_found",
    );
    const made = await createProject(t);
    await ok(await send(t.keys.orgAdmin, "DELETE", `${PATH}/${made.id}`));
    await expectProblem(
      await send(t.keys.orgAdmin, "PATCH", `${PATH}/${made.id}`, { name: "x" }),
      409,
      "archived",
    );
  });

  it.each([
    ["an empty body", {}],
    ["an empty name", { name: "" }],
    ["an unknown field", { name: "x", status: "archived" }],
    ["null", null],
  ])("answers 400 validation_failed for %s", async (_, body) => {
    const t = await seedTenancy();
    await expectProblem(
      await send(t.keys.instanceAdmin, "PATCH", `${PATH}/${t.projectId}`, body),
      400,
      "validation_failed",
    );
  });
});

describe("DELETE /v1/admin/projects/{id}", () => {
  it.each(admins)(
    "lets %s archive a project; it stays readable and a second archive is 409",
    async (kind) => {
      const t = await seedTenancy();
      const made = await createProject(t);
      const res = await send(t.keys[kind], "DELETE", `${PATH}/${made.id}`);
      const archived = await ok<ProjectBody>(res.clone());
      expect(archived).toEqual({ ...made, status: "archived" });
      const [row] = await rows<{ archived_at: number | null }>(
        "SELECT archived_at FROM projects WHERE id = ?",
        made.id,
      );
      expect(row?.archived_at).toEqual(expect.any(Number));
      expect(await ok<ProjectBody>(await send(t.keys.userKey, "GET", `${PATH}/${made.id}`))).toEqual(
        archived,
      );
      const audit = await auditOf(made.id);
      expect(audit[1]).toMatchObject({
        action: "project.archive",
        before: made,
        after: archived,
        request_id: res.headers.get("x-request-id"),
      });
      await expectProblem(await send(t.keys[kind], "DELETE", `${PATH}/${made.id}`), 409, "archived");
      expect(await auditOf(made.id)).toHaveLength(2);
    },
  );

  it.each(users)("refuses %s with 403 forbidden", async (kind) => {
    const t = await seedTenancy();
    await expectProblem(await send(t.keys[kind], "DELETE", `${PATH}/${t.projectId}`), 403, "forbidden");
    const [row] = await rows<{ archived_at: number | null }>(
      "SELECT archived_at FROM projects WHERE id = ?",
      t.projectId,
    );
    expect(row?.archived_at).toBeNull();
  });

  it("answers 404 for another organization's project", async () => {
    const t = await seedTenancy();
    const other = await seedTenant(env.DB);
    await expectProblem(
      await send(t.keys.orgAdmin, "DELETE", `${PATH}/${other.projectId}`),
      404,
      "project_not_found",
    );
    await expectProblem(
      await send(t.keys.instanceAdmin, "DELETE", `${PATH}/${other.projectId}`),
      404,
      "project_not_found",
    );
  });
});

describe("concurrent changes", () => {
  it("archives once when two archives race: one 200, one 409, one audit record", async () => {
    const t = await seedTenancy();
    const made = await createProject(t);
    const results = await Promise.all([
      send(t.keys.orgAdmin, "DELETE", `${PATH}/${made.id}`),
      send(t.keys.instanceAdmin, "DELETE", `${PATH}/${made.id}`),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await auditOf(made.id)).map((a) => a.action)).toEqual(["project.create", "project.archive"]);
  });
});

describe("the project webhook routes beside these", () => {
  it("still answer GET /v1/admin/projects/{id}/webhook for a project created here", async () => {
    const t = await seedTenancy();
    const made = await createProject(t);
    const withMasterKey = { PROVIDER_KEYS_MASTER_KEY: generateMasterKey() } as Partial<ProducerEnv>;
    const body = await ok<{ project_id: string; has_secret: boolean }>(
      await callWith(withMasterKey, `${PATH}/${made.id}/webhook`, {
        headers: authHeaders(t.keys.instanceAdmin),
      }),
    );
    expect(body).toMatchObject({ project_id: made.id, has_secret: false });
    expect(body).not.toHaveProperty("secret");
    await expectProblem(await send(t.keys.userKey, "GET", `${PATH}/${made.id}/webhook`), 403, "forbidden");
  });
});
