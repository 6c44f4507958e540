// GET /v1/admin/audit-log: filters, pages, and who reads what (an admin its own organization, a
// super_admin every one or one by organization_id, a user key nothing). Records are seeded directly.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/db/client";
import type { Caller } from "../../shared/db/queries/api-keys";
import { newId } from "../../shared/ids";
import { type AuditEntry, auditInsert } from "../../shared/tenancy/audit";
import { authHeaders, seedOrgKey, seedSuperAdmin, seedTenant } from "../support/tenant";
import { call, expectProblem } from "./helpers";

interface AuditRecordBody {
  id: string;
  object: string;
  organization_id: string | null;
  actor_key_id: string | null;
  actor_user_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  request_id: string;
  created_at: string;
}
interface ListBody {
  object: string;
  data: AuditRecordBody[];
  next_cursor: string | null;
}

const PATH = "/v1/admin/audit-log";

function actor(organizationId: string, userId: string | null = newId("usr")): Caller {
  return {
    keyId: newId("key"),
    keyPrefix: "gq_test",
    role: "admin",
    organizationId,
    userId,
    instanceId: null,
    projectId: null,
    instanceAssigned: true,
  };
}

/** Writes one audit record as `caller` at `now`; returns its request id (unique, to find it). */
async function seedRecord(
  caller: Caller,
  entry: Partial<AuditEntry> & { organizationId: string | null },
  now = Date.now(),
): Promise<string> {
  const requestId = newId("req");
  await auditInsert(
    { db: createDb(env.DB), caller, requestId, now },
    {
      action: "instance.create",
      resourceType: "instance",
      resourceId: newId("ins"),
      after: { name: "x" },
      ...entry,
    },
  );
  return requestId;
}

async function list(key: string, query = ""): Promise<ListBody> {
  const res = await call(`${PATH}${query}`, { headers: authHeaders(key) });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as ListBody;
}

describe("GET /v1/admin/audit-log", () => {
  it("shows an admin its organization's records, newest first, in the API shape", async () => {
    const t = await seedTenant(env.DB);
    const admin = await seedOrgKey(env.DB, { organizationId: t.organizationId, role: "admin" });
    const who = actor(t.organizationId, admin.userId);
    const older = await seedRecord(who, { organizationId: t.organizationId }, 1_000_000);
    const newer = await seedRecord(
      who,
      {
        organizationId: t.organizationId,
        action: "api_key.revoke",
        resourceType: "api_key",
        resourceId: "key_x",
        before: { status: "active" },
        after: { status: "revoked" },
      },
      2_000_000,
    );
    const body = await list(admin.key);
    expect(body.object).toBe("list");
    expect(body.next_cursor).toBeNull();
    expect(body.data.map((r) => r.request_id)).toEqual([newer, older]);
    expect(body.data[0]).toEqual({
      id: expect.stringMatching(/^aud_/),
      object: "audit_record",
      organization_id: t.organizationId,
      actor_key_id: who.keyId,
      actor_user_id: admin.userId,
      action: "api_key.revoke",
      resource_type: "api_key",
      resource_id: "key_x",
      before: { status: "active" },
      after: { status: "revoked" },
      request_id: newer,
      created_at: new Date(2_000_000).toISOString(),
    });
  });

  it("never shows an admin another organization's records, nor system-wide ones", async () => {
    const mine = await seedTenant(env.DB);
    const theirs = await seedTenant(env.DB);
    const own = await seedRecord(actor(mine.organizationId), { organizationId: mine.organizationId });
    const foreign = await seedRecord(actor(theirs.organizationId), { organizationId: theirs.organizationId });
    const system = await seedRecord(actor(theirs.organizationId), { organizationId: null });
    const ids = (await list(mine.adminKey)).data.map((r) => r.request_id);
    expect(ids).toEqual([own]);
    expect(ids).not.toContain(foreign);
    expect(ids).not.toContain(system);
    // Naming the other organization does not help: it is out of reach, so not found.
    await expectProblem(
      await call(`${PATH}?organization_id=${theirs.organizationId}`, { headers: authHeaders(mine.adminKey) }),
      404,
      "organization_not_found",
    );
    const ownById = await list(mine.adminKey, `?organization_id=${mine.organizationId}`);
    expect(ownById.data.map((r) => r.request_id)).toEqual([own]);
  });

  it("shows a super_admin every organization's records, or one organization's", async () => {
    const root = await seedSuperAdmin(env.DB);
    const a = await seedTenant(env.DB);
    const b = await seedTenant(env.DB);
    const action = `instance.t${newId("req").slice(4, 12)}`;
    const inA = await seedRecord(actor(a.organizationId), { organizationId: a.organizationId, action });
    const inB = await seedRecord(actor(b.organizationId), { organizationId: b.organizationId, action });
    const system = await seedRecord(actor(root.organizationId), { organizationId: null, action });
    const all = await list(root.key, `?action=${action}`);
    expect(all.data.map((r) => r.request_id).sort()).toEqual([inA, inB, system].sort());
    const onlyB = await list(root.key, `?action=${action}&organization_id=${b.organizationId}`);
    expect(onlyB.data.map((r) => r.request_id)).toEqual([inB]);
    await expectProblem(
      await call(`${PATH}?organization_id=org_nowhere0000000000000`, { headers: authHeaders(root.key) }),
      404,
      "organization_not_found",
    );
  });

  it("filters by action, resource type and id, actor and time", async () => {
    const t = await seedTenant(env.DB);
    const organizationId = t.organizationId;
    const alice = actor(organizationId);
    const bob = actor(organizationId);
    const created = await seedRecord(
      alice,
      { organizationId, action: "project.create", resourceType: "project", resourceId: "prj_a" },
      10_000,
    );
    const renamed = await seedRecord(
      bob,
      { organizationId, action: "project.update", resourceType: "project", resourceId: "prj_a" },
      20_000,
    );
    const key = await seedRecord(
      alice,
      { organizationId, action: "api_key.create", resourceType: "api_key", resourceId: "key_a" },
      30_000,
    );
    const ids = async (query: string) => (await list(t.adminKey, query)).data.map((r) => r.request_id);
    expect(await ids("?action=project.update")).toEqual([renamed]);
    expect(await ids("?resource_type=project")).toEqual([renamed, created]);
    expect(await ids("?resource_type=project&resource_id=prj_a&action=project.create")).toEqual([created]);
    expect(await ids("?resource_id=key_a")).toEqual([key]);
    expect(await ids(`?actor_user_id=${alice.userId}`)).toEqual([key, created]);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(await ids(`?since=${iso(20_000)}`)).toEqual([key, renamed]);
    expect(await ids(`?until=${iso(20_000)}`)).toEqual([created]);
    expect(await ids(`?since=${iso(15_000)}&until=${iso(30_000)}`)).toEqual([renamed]);
  });

  it("pages with limit and cursor without repeating or skipping a record", async () => {
    const t = await seedTenant(env.DB);
    const who = actor(t.organizationId);
    const seeded: string[] = [];
    // Two records share a timestamp: the id breaks the tie.
    for (const at of [5_000, 4_000, 4_000, 3_000, 2_000])
      seeded.push(await seedRecord(who, { organizationId: t.organizationId }, at));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await list(t.adminKey, query);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((r) => r.request_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.length).toBe(5);
    expect(new Set(seen)).toEqual(new Set(seeded));
    expect(seen[0]).toBe(seeded[0]);
    expect(seen[4]).toBe(seeded[4]);
  });

  it("refuses a user key with 403", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(await call(PATH, { headers: authHeaders(t.userKey) }), 403, "forbidden");
  });

  it.each([
    ["limit=0"],
    ["limit=101"],
    ["limit=ten"],
    ["since=yesterday"],
    ["until=2026-13-01T00:00:00Z"],
    ["cursor=not-a-cursor"],
    ["action=DROP%20TABLE"],
    ["resource_type=Api-Key"],
    ["since=2026-11-22T00:00:00Z&until=2026-11-21T00:00:00Z"],
  ])("answers 400 validation_failed to ?%s", async (query) => {
    const t = await seedTenant(env.DB);
    await expectProblem(
      await call(`${PATH}?${query}`, { headers: authHeaders(t.adminKey) }),
      400,
      "validation_failed",
    );
  });
});
