// /v1/admin/users/{id}/instances: every kind of caller against list / assign / unassign (allowed
// and denied), only instances of the user's own organization the caller reaches (else 404),
// idempotent assign (200 twice) and unassign (204 twice), audit records, pages, bad input, and what
// an assignment is for: a user may create projects only in instances it is assigned to.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "../../shared/ids";
import { seedTenant, seedUser } from "../support/tenant";
import { call, expectProblem, rows } from "./helpers";
import { auditOf, type CallerKind, ok, seedTenancy, seedUserKey, send } from "./tenancy-fixtures";

interface AssignmentBody {
  object: string;
  user_id: string;
  instance_id: string;
  created_at: string;
}
interface ListBody {
  object: string;
  data: AssignmentBody[];
  next_cursor: string | null;
}

const admins: CallerKind[] = ["superAdmin", "orgAdmin", "instanceAdmin"];
const users: CallerKind[] = ["serviceKey", "userKey"];
const path = (userId: string, instanceId?: string) =>
  `/v1/admin/users/${userId}/instances${instanceId ? `/${instanceId}` : ""}`;

async function seedInstance(organizationId: string, archived = false): Promise<string> {
  const id = newId("ins");
  await env.DB.prepare(
    "INSERT INTO instances (id, organization_id, name, archived_at, created_at) VALUES (?, ?, 'extra', ?, ?)",
  )
    .bind(id, organizationId, archived ? Date.now() : null, Date.now())
    .run();
  return id;
}

const assignmentRows = (userId: string) =>
  rows<{ instance_id: string }>("SELECT instance_id FROM user_instances WHERE user_id = ?", userId);

describe("GET /v1/admin/users/{id}/instances", () => {
  it.each(admins)("shows %s a user's assignments", async (kind) => {
    const t = await seedTenancy();
    const body = await ok<ListBody>(await send(t.keys[kind], "GET", path(t.userIds.user)));
    expect(body).toEqual({
      object: "list",
      data: [
        {
          object: "assignment",
          user_id: t.userIds.user,
          instance_id: t.instanceId,
          created_at: expect.any(String),
        },
      ],
      next_cursor: null,
    });
  });

  it("shows a user its own assignments and no other user's (404)", async () => {
    const t = await seedTenancy();
    const body = await ok<ListBody>(await send(t.keys.userKey, "GET", path(t.userIds.user)));
    expect(body.data.map((a) => a.instance_id)).toEqual([t.instanceId]);
    await expectProblem(await send(t.keys.userKey, "GET", path(t.userIds.orgAdmin)), 404, "user_not_found");
    await expectProblem(await send(t.keys.serviceKey, "GET", path(t.userIds.user)), 404, "user_not_found");
  });

  it("answers 404 for another organization's user", async () => {
    const t = await seedTenancy();
    const other = await seedTenancy();
    await expectProblem(await send(t.keys.orgAdmin, "GET", path(other.userIds.user)), 404, "user_not_found");
    await ok(await send(t.keys.superAdmin, "GET", path(other.userIds.user)));
  });

  it("pages newest first with next_cursor until the last page", async () => {
    const t = await seedTenancy();
    for (let i = 0; i < 4; i++) {
      const instanceId = await seedInstance(t.organizationId);
      await ok(await send(t.keys.orgAdmin, "PUT", path(t.userIds.user, instanceId)));
    }
    const all = await ok<ListBody>(await send(t.keys.orgAdmin, "GET", `${path(t.userIds.user)}?limit=100`));
    expect(all.data).toHaveLength(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page: ListBody = await ok<ListBody>(
        await send(t.keys.orgAdmin, "GET", `${path(t.userIds.user)}${query}`),
      );
      seen.push(...page.data.map((a) => a.instance_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.data.map((a) => a.instance_id));
    expect(new Set(seen).size).toBe(5);
  });

  it.each(["?limit=0", "?limit=101", "?cursor=%25"])("answers 400 for %s", async (query) => {
    const t = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "GET", `${path(t.userIds.user)}${query}`),
      400,
      "validation_failed",
    );
  });
});

describe("PUT /v1/admin/users/{id}/instances/{instance_id}", () => {
  it.each(admins)(
    "lets %s assign a user (200 twice, one audit record), who may then create projects there",
    async (kind) => {
      const t = await seedTenancy();
      const fresh = await seedUserKey(t, "user", []);
      await expectProblem(
        await send(fresh.key, "POST", "/v1/admin/projects", { name: "p" }),
        404,
        "instance_not_found",
      );
      const res = await send(t.keys[kind], "PUT", path(fresh.userId, t.instanceId));
      const first = await ok<AssignmentBody>(res.clone());
      expect(first).toEqual({
        object: "assignment",
        user_id: fresh.userId,
        instance_id: t.instanceId,
        created_at: expect.any(String),
      });
      expect(
        await ok<AssignmentBody>(await send(t.keys[kind], "PUT", path(fresh.userId, t.instanceId))),
      ).toEqual(first);
      expect(await assignmentRows(fresh.userId)).toEqual([{ instance_id: t.instanceId }]);
      const audit = await auditOf(`${fresh.userId}:${t.instanceId}`);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        organization_id: t.organizationId,
        action: "assignment.create",
        resource_type: "assignment",
        before: null,
        after: first,
        request_id: res.headers.get("x-request-id"),
      });
      await ok(await send(fresh.key, "POST", "/v1/admin/projects", { name: "p" }), 201);
    },
  );

  it.each(users)("refuses %s with 403 forbidden", async (kind) => {
    const t = await seedTenancy();
    const fresh = await seedUser(env.DB, { organizationId: t.organizationId, role: "user" });
    await expectProblem(await send(t.keys[kind], "PUT", path(fresh.userId, t.instanceId)), 403, "forbidden");
    expect(await assignmentRows(fresh.userId)).toEqual([]);
  });

  it("assigns only to instances of the user's organization the caller reaches (else 404 instance_not_found)", async () => {
    const t = await seedTenancy();
    const other = await seedTenant(env.DB);
    const fresh = await seedUser(env.DB, { organizationId: t.organizationId, role: "user" });
    for (const kind of admins)
      await expectProblem(
        await send(t.keys[kind], "PUT", path(fresh.userId, other.instanceId)),
        404,
        "instance_not_found",
      );
    const second = await seedInstance(t.organizationId);
    await expectProblem(
      await send(t.keys.instanceAdmin, "PUT", path(fresh.userId, second)),
      404,
      "instance_not_found",
    );
    await ok(await send(t.keys.orgAdmin, "PUT", path(fresh.userId, second)));
    await expectProblem(
      await send(t.keys.orgAdmin, "PUT", path(fresh.userId, "ins_nowhere")),
      404,
      "instance_not_found",
    );
    expect(await assignmentRows(fresh.userId)).toEqual([{ instance_id: second }]);
  });

  it("answers 404 user_not_found for another organization's user", async () => {
    const t = await seedTenancy();
    const other = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "PUT", path(other.userIds.user, t.instanceId)),
      404,
      "user_not_found",
    );
  });

  it("answers 409 archived for an archived instance or a disabled user", async () => {
    const t = await seedTenancy();
    const fresh = await seedUser(env.DB, { organizationId: t.organizationId, role: "user" });
    const archived = await seedInstance(t.organizationId, true);
    await expectProblem(await send(t.keys.orgAdmin, "PUT", path(fresh.userId, archived)), 409, "archived");
    const gone = await seedUser(env.DB, { organizationId: t.organizationId, role: "user", disabled: true });
    await expectProblem(await send(t.keys.orgAdmin, "PUT", path(gone.userId, t.instanceId)), 409, "archived");
  });

  it("answers 400 for a malformed instance id and 415 for a body that is not JSON", async () => {
    const t = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "PUT", path(t.userIds.user, "i".repeat(65))),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(path(t.userIds.user, t.instanceId), {
        method: "PUT",
        headers: { authorization: `Bearer ${t.keys.orgAdmin}`, "content-type": "text/plain" },
        body: "yes",
      }),
      415,
      "unsupported_media_type",
    );
  });
});

describe("DELETE /v1/admin/users/{id}/instances/{instance_id}", () => {
  it.each(admins)(
    "lets %s unassign a user (204 twice, one audit record); it then may not create projects there",
    async (kind) => {
      const t = await seedTenancy();
      const res = await send(t.keys[kind], "DELETE", path(t.userIds.user, t.instanceId));
      expect(res.status, await res.clone().text()).toBe(204);
      expect(await assignmentRows(t.userIds.user)).toEqual([]);
      expect((await send(t.keys[kind], "DELETE", path(t.userIds.user, t.instanceId))).status).toBe(204);
      const audit = await auditOf(`${t.userIds.user}:${t.instanceId}`);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        organization_id: t.organizationId,
        action: "assignment.delete",
        before: { object: "assignment", user_id: t.userIds.user, instance_id: t.instanceId },
        after: null,
        request_id: res.headers.get("x-request-id"),
      });
      await expectProblem(
        await send(t.keys.userKey, "POST", "/v1/admin/projects", { name: "p" }),
        404,
        "instance_not_found",
      );
    },
  );

  it.each(users)("refuses %s with 403 forbidden", async (kind) => {
    const t = await seedTenancy();
    await expectProblem(
      await send(t.keys[kind], "DELETE", path(t.userIds.user, t.instanceId)),
      403,
      "forbidden",
    );
    expect(await assignmentRows(t.userIds.user)).toEqual([{ instance_id: t.instanceId }]);
  });

  it("answers 404 for another organization's user or instance, even when nothing is assigned", async () => {
    const t = await seedTenancy();
    const other = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "DELETE", path(other.userIds.user, other.instanceId)),
      404,
      "user_not_found",
    );
    await expectProblem(
      await send(t.keys.orgAdmin, "DELETE", path(t.userIds.user, other.instanceId)),
      404,
      "instance_not_found",
    );
    await expectProblem(
      await send(t.keys.superAdmin, "DELETE", path(t.userIds.user, other.instanceId)),
      404,
      "instance_not_found",
    );
    expect(await assignmentRows(other.userIds.user)).toEqual([{ instance_id: other.instanceId }]);
  });

  it("answers 400 for a malformed id", async () => {
    const t = await seedTenancy();
    await expectProblem(
      await send(t.keys.orgAdmin, "DELETE", path("u".repeat(65), t.instanceId)),
      400,
      "validation_failed",
    );
  });
});

describe("concurrent assignments", () => {
  it("records one assignment and one audit record when assigns race, and one removal when unassigns race", async () => {
    const t = await seedTenancy();
    const fresh = await seedUser(env.DB, { organizationId: t.organizationId, role: "user" });
    const assigns = await Promise.all(
      [t.keys.orgAdmin, t.keys.instanceAdmin, t.keys.superAdmin].map((key) =>
        send(key, "PUT", path(fresh.userId, t.instanceId)),
      ),
    );
    expect(assigns.map((r) => r.status)).toEqual([200, 200, 200]);
    const unassigns = await Promise.all(
      [t.keys.orgAdmin, t.keys.instanceAdmin].map((key) =>
        send(key, "DELETE", path(fresh.userId, t.instanceId)),
      ),
    );
    expect(unassigns.map((r) => r.status)).toEqual([204, 204]);
    expect((await auditOf(`${fresh.userId}:${t.instanceId}`)).map((a) => a.action)).toEqual([
      "assignment.create",
      "assignment.delete",
    ]);
  });
});
