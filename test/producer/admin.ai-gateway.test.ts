// Admin API for an instance's Cloudflare AI Gateway: set, read, remove; admin keys only, scoped to
// the key's instance; the token sealed, never answered, never in an audit record; every change audited.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/db/client";
import { loadInstanceSettings } from "../../shared/db/queries/instance-settings";
import { gatewayTokenAad } from "../../shared/providers/gateway";
import { decryptSecret, generateMasterKey, importMasterKey } from "../../shared/providers/keys/crypto";
import { authHeaders, seedTenant } from "../support/tenant";
import { callWith, expectProblem, rows } from "./helpers";

const PATH = "/v1/admin/ai-gateway";
const MASTER = generateMasterKey();
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "aig-token-Zq81-never-shown";
const body = (extra: Record<string, unknown> = {}) => ({
  account_id: ACCOUNT,
  gateway_id: "images-prod",
  providers: ["openai", "replicate"],
  ...extra,
});

function send(key: string, method = "GET", payload?: unknown, master: string | null = MASTER) {
  const headers: Record<string, string> = authHeaders(key);
  if (payload !== undefined) headers["content-type"] = "application/json";
  const init = { method, headers, ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}) };
  return callWith(
    master === null ? {} : ({ PROVIDER_KEYS_MASTER_KEY: master } as Partial<ProducerEnv>),
    PATH,
    init,
  );
}

async function ok<T>(res: Response, status = 200): Promise<{ json: T; text: string }> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return { json: (text ? JSON.parse(text) : null) as T, text };
}

const auditRows = (instanceId: string) =>
  rows<{ action: string; before_json: string | null; after_json: string | null }>(
    "SELECT action, before AS before_json, after AS after_json FROM audit_log WHERE resource_type = 'ai_gateway' AND resource_id = ? ORDER BY created_at, id",
    instanceId,
  );

describe("AI Gateway settings: set, read, remove", () => {
  it("answers null for an instance without a gateway", async () => {
    const t = await seedTenant(env.DB);
    expect((await ok(await send(t.adminKey))).json).toEqual({ ai_gateway: null });
  });

  it("stores the settings with the token sealed, answers token_set and never the token", async () => {
    const t = await seedTenant(env.DB);
    const put = await ok<{ ai_gateway: unknown }>(
      await send(t.adminKey, "PUT", body({ cache_ttl_seconds: 3600, token: TOKEN })),
    );
    const expected = {
      account_id: ACCOUNT,
      gateway_id: "images-prod",
      providers: ["openai", "replicate"],
      cache_ttl_seconds: 3600,
      skip_cache: false,
      token_set: true,
    };
    expect(put.json).toEqual({ ai_gateway: expected });
    expect(put.text).not.toContain(TOKEN);
    const got = await ok(await send(t.adminKey));
    expect(got.json).toEqual({ ai_gateway: expected });
    expect(got.text).not.toContain(TOKEN);

    // Where the consumer reads it: with the rest of the instance settings, the token decrypting
    // under the master key and the instance's AAD only.
    const settings = await loadInstanceSettings(createDb(env.DB), t.instanceId);
    const sealed = settings.aiGateway?.tokenCiphertext ?? "";
    expect(sealed).not.toContain(TOKEN);
    const master = await importMasterKey(MASTER);
    expect(await decryptSecret(master, sealed, gatewayTokenAad(t.instanceId))).toBe(TOKEN);
    await expect(decryptSecret(master, sealed, gatewayTokenAad("ins_other"))).rejects.toThrow();
  });

  it("keeps the token when a PUT omits it, and removes it with token: null", async () => {
    const t = await seedTenant(env.DB);
    await ok(await send(t.adminKey, "PUT", body({ token: TOKEN })));
    const kept = await ok<{ ai_gateway: { token_set: boolean; skip_cache: boolean } }>(
      await send(t.adminKey, "PUT", body({ skip_cache: true }), null),
    );
    expect(kept.json.ai_gateway).toMatchObject({ token_set: true, skip_cache: true });
    const removed = await ok<{ ai_gateway: { token_set: boolean } }>(
      await send(t.adminKey, "PUT", body({ token: null })),
    );
    expect(removed.json.ai_gateway.token_set).toBe(false);
  });

  it("removes the gateway with DELETE, and answers 204 again when there is none", async () => {
    const t = await seedTenant(env.DB);
    await ok(await send(t.adminKey, "PUT", body()));
    await ok(await send(t.adminKey, "DELETE"), 204);
    expect((await ok(await send(t.adminKey))).json).toEqual({ ai_gateway: null });
    await ok(await send(t.adminKey, "DELETE"), 204);
    expect((await loadInstanceSettings(createDb(env.DB), t.instanceId)).aiGateway).toBeNull();
  });

  it("audits each change without the token, and a DELETE with nothing to remove not at all", async () => {
    const t = await seedTenant(env.DB);
    await ok(await send(t.adminKey, "PUT", body({ token: TOKEN })));
    await ok(await send(t.adminKey, "DELETE"), 204);
    await ok(await send(t.adminKey, "DELETE"), 204);
    const records = await auditRows(t.instanceId);
    expect(records.map((r) => r.action)).toEqual(["ai_gateway.update", "ai_gateway.delete"]);
    const all = JSON.stringify(records);
    expect(all).not.toContain(TOKEN);
    expect(JSON.parse(records[0]?.after_json ?? "null")).toMatchObject({
      instance_id: t.instanceId,
      ai_gateway: { gateway_id: "images-prod", token_set: true },
    });
    expect(JSON.parse(records[1]?.after_json ?? "null")).toEqual({
      instance_id: t.instanceId,
      ai_gateway: null,
    });
  });
});

describe("AI Gateway settings: refused", () => {
  it("refuses a user key (403) and another instance's admin never sees this one's gateway", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedTenant(env.DB);
    await expectProblem(await send(t.userKey, "PUT", body()), 403, "forbidden");
    await expectProblem(await send(t.userKey), 403, "forbidden");
    await ok(await send(t.adminKey, "PUT", body()));
    expect((await ok(await send(other.adminKey))).json).toEqual({ ai_gateway: null });
    await expectProblem(await send("", "GET"), 401, "unauthorized");
  });

  it.each([
    ["a malformed account id", body({ account_id: "not-an-account" })],
    ["a provider the gateway does not proxy", body({ providers: ["stability"] })],
    ["the demo provider", body({ providers: ["demo"] })],
    ["no provider", body({ providers: [] })],
    ["a repeated provider", body({ providers: ["openai", "openai"] })],
    ["a cache TTL past the gateway's month", body({ cache_ttl_seconds: 31 * 24 * 3600 })],
    ["an unknown field", body({ cache_key: "x" })],
    ["a gateway id with a slash", body({ gateway_id: "a/b" })],
  ])("answers 400 validation_failed for %s", async (_, payload) => {
    const t = await seedTenant(env.DB);
    await expectProblem(await send(t.adminKey, "PUT", payload), 400, "validation_failed");
    expect((await ok(await send(t.adminKey))).json).toEqual({ ai_gateway: null });
  });

  it("answers 503 encryption_not_configured for a token without the master key, and stores nothing", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(
      await send(t.adminKey, "PUT", body({ token: TOKEN }), null),
      503,
      "encryption_not_configured",
    );
    expect((await ok(await send(t.adminKey))).json).toEqual({ ai_gateway: null });
    // Without a token the gateway needs no secret.
    await ok(await send(t.adminKey, "PUT", body(), null));
  });
});
