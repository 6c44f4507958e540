// The instance-settings admin routes write an audit record with each change, in the change's own
// batch: provider keys, provider limits, the fallback chain, project webhooks, dead-letter replays.
// Each record names the caller's key and the request (x-request-id), and shows no secret.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import app from "../../producer/src/index";
import { createDb } from "../../shared/db/client";
import { deadLetters } from "../../shared/db/schema";
import { newId } from "../../shared/ids";
import { generateMasterKey } from "../../shared/providers/keys/crypto";
import { auditInsertWhen } from "../../shared/tenancy/audit-when";
import { authHeaders, type SeededTenant, seedJob, seedTenant } from "../support/tenant";
import { sql } from "drizzle-orm";
import { rows } from "./helpers";

const MASTER = generateMasterKey();

interface AuditRow {
  organization_id: string | null;
  actor_key_id: string | null;
  actor_user_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  before: string | null;
  after: string | null;
  request_id: string;
}

/** A request to the app with a provider-keys master key and a queue that accepts every send. */
async function send(key: string, path: string, method = "GET", body?: unknown): Promise<Response> {
  const headers: Record<string, string> = authHeaders(key);
  if (body !== undefined) headers["content-type"] = "application/json";
  const JOBS = { send: vi.fn(async () => undefined), sendBatch: vi.fn(async () => undefined) };
  const ctx = createExecutionContext();
  const res = await app.request(
    `https://api.genqueue.test${path}`,
    { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
    { ...env, PROVIDER_KEYS_MASTER_KEY: MASTER, JOBS: JOBS as unknown as Queue },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function expectStatus(res: Response, status: number): Promise<string> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return res.headers.get("x-request-id") ?? "";
}

async function recordsOf(requestId: string) {
  const found = await rows<AuditRow>(
    "SELECT * FROM audit_log WHERE request_id = ? ORDER BY created_at, id",
    requestId,
  );
  return found.map((r) => ({
    ...r,
    before: r.before === null ? null : JSON.parse(r.before),
    after: r.after === null ? null : JSON.parse(r.after),
  }));
}

/** The one record a request wrote, checked for its actor. */
async function recordOf(t: SeededTenant, requestId: string) {
  const found = await recordsOf(requestId);
  expect(found).toHaveLength(1);
  const [record] = found;
  expect(record).toMatchObject({ organization_id: t.organizationId, actor_key_id: t.keyIds.admin });
  return record!;
}

describe("audit records of the instance-settings admin routes", () => {
  it("provider keys: create, make primary and delete each write one record without the key", async () => {
    const t = await seedTenant(env.DB);
    const secret = `sk_live_${crypto.randomUUID().replaceAll("-", "")}`;
    const create = await send(t.adminKey, "/v1/admin/provider-keys", "POST", {
      provider: "openai",
      api_key: secret,
    });
    const created = (await create.clone().json()) as { id: string };
    const createReq = await expectStatus(create, 201);
    const second = await send(t.adminKey, "/v1/admin/provider-keys", "POST", {
      provider: "openai",
      api_key: `${secret}x`,
    });
    await expectStatus(second, 201);

    const createRecord = await recordOf(t, createReq);
    expect(createRecord).toMatchObject({
      action: "provider_key.create",
      resource_type: "provider_key",
      resource_id: created.id,
      before: null,
      after: { id: created.id, instance_id: t.instanceId, provider: "openai", is_primary: true },
    });
    expect(createRecord.after.last4).toBe(secret.slice(-4));
    expect(JSON.stringify(createRecord)).not.toContain(secret);

    const primaryReq = await expectStatus(
      await send(t.adminKey, `/v1/admin/provider-keys/${created.id}/make-primary`, "POST"),
      200,
    );
    expect(await recordOf(t, primaryReq)).toMatchObject({
      action: "provider_key.make_primary",
      resource_id: created.id,
      before: { id: created.id, is_primary: false },
      after: { id: created.id, is_primary: true },
    });

    const deleteReq = await expectStatus(
      await send(t.adminKey, `/v1/admin/provider-keys/${created.id}`, "DELETE"),
      204,
    );
    expect(await recordOf(t, deleteReq)).toMatchObject({
      action: "provider_key.delete",
      resource_id: created.id,
      before: { id: created.id, is_primary: true },
      after: null,
    });

    // A failed change records nothing.
    const missing = await send(t.adminKey, "/v1/admin/provider-keys/pk_nowhere0000000000000", "DELETE");
    expect(await recordsOf(await expectStatus(missing, 404))).toEqual([]);
  });

  it("provider limits: a put records before/after, a reset records the way back to the defaults", async () => {
    const t = await seedTenant(env.DB);
    const limits = { rate_per_second: 2.5, burst: 4, max_in_flight: 6 };
    const putReq = await expectStatus(
      await send(t.adminKey, "/v1/admin/provider-limits/openai", "PUT", limits),
      200,
    );
    const put = await recordOf(t, putReq);
    expect(put).toMatchObject({
      action: "provider_limit.update",
      resource_type: "provider_limit",
      resource_id: `${t.instanceId}/openai`,
      before: { instance_id: t.instanceId, provider: "openai", source: "default" },
      after: { instance_id: t.instanceId, provider: "openai", source: "instance", ...limits },
    });

    const resetReq = await expectStatus(
      await send(t.adminKey, "/v1/admin/provider-limits/openai", "DELETE"),
      204,
    );
    expect(await recordOf(t, resetReq)).toMatchObject({
      action: "provider_limit.delete",
      resource_id: `${t.instanceId}/openai`,
      before: { source: "instance", ...limits },
      after: { source: "default" },
    });

    // Resetting what is already on its defaults changes nothing, so records nothing.
    const again = await send(t.adminKey, "/v1/admin/provider-limits/openai", "DELETE");
    expect(await recordsOf(await expectStatus(again, 204))).toEqual([]);
  });

  it("fallback providers: a put records the chain before and after", async () => {
    const t = await seedTenant(env.DB);
    const first = await expectStatus(
      await send(t.adminKey, "/v1/admin/fallback-providers", "PUT", { fallback_providers: ["openai"] }),
      200,
    );
    const second = await expectStatus(
      await send(t.adminKey, "/v1/admin/fallback-providers", "PUT", { fallback_providers: null }),
      200,
    );
    expect(await recordOf(t, first)).toMatchObject({
      action: "fallback_providers.update",
      resource_type: "fallback_providers",
      resource_id: t.instanceId,
      before: { instance_id: t.instanceId, fallback_providers: null },
      after: { instance_id: t.instanceId, fallback_providers: ["openai"] },
    });
    expect(await recordOf(t, second)).toMatchObject({
      before: { fallback_providers: ["openai"] },
      after: { fallback_providers: null },
    });
  });

  it("project webhook: setting the URL and rotating the secret are recorded, never the secret", async () => {
    const t = await seedTenant(env.DB);
    const path = `/v1/admin/projects/${t.projectId}/webhook`;
    const url = "https://hooks.example.com/genqueue";
    const putRes = await send(t.adminKey, path, "PUT", { url });
    const { secret } = (await putRes.clone().json()) as { secret: string };
    const putReq = await expectStatus(putRes, 200);
    const put = await recordOf(t, putReq);
    expect(put).toMatchObject({
      action: "project_webhook.update",
      resource_type: "project_webhook",
      resource_id: t.projectId,
      before: { project_id: t.projectId, url: null },
      after: { project_id: t.projectId, url },
    });

    const rotateRes = await send(t.adminKey, `${path}/rotate-secret`, "POST");
    const rotated = (await rotateRes.clone().json()) as { secret: string };
    const rotateReq = await expectStatus(rotateRes, 200);
    const rotate = await recordOf(t, rotateReq);
    expect(rotate).toMatchObject({
      action: "project_webhook.rotate_secret",
      resource_id: t.projectId,
      before: { previous_secret_expires_at: null },
      after: { previous_secret_expires_at: expect.any(String) },
    });
    for (const record of [put, rotate]) {
      expect(JSON.stringify(record)).not.toContain(secret);
      expect(JSON.stringify(record)).not.toContain(rotated.secret);
      expect(record.after).not.toHaveProperty("secret");
    }
  });

  it("dead-letter replay: one record per replayed job, none for a dry run or a skipped id", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { status: "dead_lettered", overrides: { errorCode: "x" } });
    const dlId = newId("dl");
    await createDb(env.DB)
      .insert(deadLetters)
      .values({
        id: dlId,
        jobId: job.id,
        instanceId: t.instanceId,
        projectId: job.projectId,
        provider: "demo",
        errorCode: "provider_unavailable",
        errorMessage: "upstream 503",
        attempts: 3,
        message: { v: 1, kind: "job", job_id: job.id, attempt: 3 },
        createdAt: Date.now(),
      });
    const dry = await send(t.adminKey, "/v1/admin/dead-letters/replay", "POST", {
      ids: [dlId],
      dry_run: true,
    });
    expect(await recordsOf(await expectStatus(dry, 200))).toEqual([]);

    const replayReq = await expectStatus(
      await send(t.adminKey, "/v1/admin/dead-letters/replay", "POST", { ids: [dlId, "dl_nowhere"] }),
      200,
    );
    expect(await recordOf(t, replayReq)).toMatchObject({
      action: "dead_letter.replay",
      resource_type: "dead_letter",
      resource_id: dlId,
      before: { id: dlId, job_id: job.id, replay_count: 0, replayed_at: null },
      after: { id: dlId, job_id: job.id, replay_count: 1, replayed_at: expect.any(String) },
    });

    // Replaying again skips it (no longer dead-lettered): no record.
    const again = await send(t.adminKey, "/v1/admin/dead-letters/replay", "POST", { ids: [dlId] });
    expect(await recordsOf(await expectStatus(again, 200))).toEqual([]);
  });

  it("writes a conditional record only when its condition holds (a change that lost a race)", async () => {
    const t = await seedTenant(env.DB);
    const db = createDb(env.DB);
    const caller = {
      keyId: t.keyIds.admin,
      keyPrefix: "gq_test",
      role: "admin" as const,
      organizationId: t.organizationId,
      userId: null,
      instanceId: t.instanceId,
      projectId: null,
      instanceAssigned: true,
    };
    const entry = {
      organizationId: t.organizationId,
      action: "project_webhook.rotate_secret",
      resourceType: "project_webhook",
      resourceId: t.projectId ?? "",
      before: { url: null },
      after: { url: "https://hooks.example.com/x" },
    };
    const lost = newId("req");
    const won = newId("req");
    await db.batch([
      auditInsertWhen({ db, caller, requestId: lost, now: 1 }, entry, sql`1 = 0`),
      auditInsertWhen({ db, caller, requestId: won, now: 2 }, entry, sql`1 = 1`),
    ]);
    expect(await recordsOf(lost)).toEqual([]);
    expect(await recordsOf(won)).toEqual([
      expect.objectContaining({
        organization_id: t.organizationId,
        actor_key_id: t.keyIds.admin,
        action: entry.action,
        resource_type: entry.resourceType,
        resource_id: entry.resourceId,
        before: entry.before,
        after: entry.after,
        created_at: 2,
      }),
    ]);
  });
});
