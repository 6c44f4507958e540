// Admin API for an instance's provider keys: add (= set and rotate), list masked, make primary,
// delete. Keys are stored encrypted and never come back out: not in a body, a header or a log.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import app from "../../producer/src/index";
import {
  decryptSecret,
  generateMasterKey,
  importMasterKey,
  keyAad,
} from "../../shared/providers/keys/crypto";
import { authHeaders, type SeededTenant, seedTenant } from "../support/tenant";
import { expectProblem, rows } from "./helpers";

const MASTER = generateMasterKey();
const BASE = "https://api.genqueue.test/v1/admin/provider-keys";

interface ProviderKeyBody {
  id: string;
  provider: string;
  last4: string;
  is_primary: boolean;
  created_at: string;
}

interface Exchange {
  status: number;
  headers: string;
  body: string;
}

/** Every response of the test, for the no-leak checks. */
let exchanges: Exchange[] = [];
/** Every console line of the test (the app runs in this isolate). */
let logged: string[] = [];

beforeEach(() => {
  exchanges = [];
  logged = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

type MasterKeySetting = string | null;

async function send(
  key: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
  master: MasterKeySetting = MASTER,
): Promise<Response> {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = authHeaders(key);
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const bindings = master === null ? { ...env } : { ...env, PROVIDER_KEYS_MASTER_KEY: master };
  const res = await app.request(
    `${BASE}${path}`,
    {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    },
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const body = await res.clone().text();
  exchanges.push({ status: res.status, headers: JSON.stringify([...res.headers]), body });
  return res;
}

const secretKey = (label = "live") => `sk_${label}_${crypto.randomUUID().replaceAll("-", "")}`;

async function addKey(t: SeededTenant, provider: string, apiKey: string): Promise<ProviderKeyBody> {
  const res = await send(t.adminKey, "", { method: "POST", body: { provider, api_key: apiKey } });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as ProviderKeyBody;
}

async function list(t: SeededTenant, query = ""): Promise<ProviderKeyBody[]> {
  const res = await send(t.adminKey, query);
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as { object: string; data: ProviderKeyBody[] };
  expect(body.object).toBe("list");
  return body.data;
}

/** The fields a masked key has: nothing else (no key, no ciphertext). */
function expectMasked(key: ProviderKeyBody) {
  expect(Object.keys(key).sort()).toEqual(["created_at", "id", "is_primary", "last4", "provider"]);
  expect(key.id).toMatch(/^pk_[0-9a-z]{20}$/);
  expect(key.last4).toHaveLength(4);
  expect(new Date(key.created_at).toISOString()).toBe(key.created_at);
}

describe("provider keys: add, list, rotate, make primary, delete", () => {
  it("adds a key as the provider's primary and shows only its last 4 characters", async () => {
    const t = await seedTenant(env.DB);
    const apiKey = secretKey();
    const created = await addKey(t, "ideogram", apiKey);
    expectMasked(created);
    expect(created).toMatchObject({ provider: "ideogram", last4: apiKey.slice(-4), is_primary: true });
    expect(await list(t)).toEqual([created]);
  });

  it("stores the key encrypted, bound to its instance, provider and id", async () => {
    const t = await seedTenant(env.DB);
    const apiKey = secretKey();
    const created = await addKey(t, "openai", apiKey);
    const [row] = await rows<{ ciphertext: string; instance_id: string; last4: string }>(
      "SELECT ciphertext, instance_id, last4 FROM provider_keys WHERE id = ?",
      created.id,
    );
    expect(row?.instance_id).toBe(t.instanceId);
    expect(row?.ciphertext).not.toContain(apiKey);
    expect(atob(row!.ciphertext)).not.toContain(apiKey);
    const master = await importMasterKey(MASTER);
    expect(await decryptSecret(master, row!.ciphertext, keyAad(t.instanceId, "openai", created.id))).toBe(
      apiKey,
    );
    await expect(
      decryptSecret(master, row!.ciphertext, keyAad("ins_other00000000000000", "openai", created.id)),
    ).rejects.toThrow();
  });

  it("rotates: a new key becomes primary and the old one stays listed, usable, as a secondary", async () => {
    const t = await seedTenant(env.DB);
    const old = await addKey(t, "ideogram", secretKey("old"));
    const other = await addKey(t, "openai", secretKey());
    const fresh = await addKey(t, "ideogram", secretKey("new"));
    expect(fresh.is_primary).toBe(true);

    const ideogram = await list(t, "?provider=ideogram");
    expect(ideogram.map((k) => [k.id, k.is_primary])).toEqual([
      [fresh.id, true],
      [old.id, false],
    ]);
    // Another provider's primary is not touched.
    expect(await list(t, "?provider=openai")).toEqual([other]);
    expect((await list(t)).map((k) => k.id)).toEqual([fresh.id, old.id, other.id]);
  });

  it("lists every key masked, with no ciphertext, and filters by provider", async () => {
    const t = await seedTenant(env.DB);
    await addKey(t, "replicate", secretKey());
    await addKey(t, "replicate", secretKey());
    await addKey(t, "ideogram", secretKey());
    const all = await list(t);
    expect(all).toHaveLength(3);
    for (const key of all) expectMasked(key);
    expect((await list(t, "?provider=replicate")).map((k) => k.provider)).toEqual(["replicate", "replicate"]);
    expect(await list(t, "?provider=openai")).toEqual([]);
  });

  it("makes an older key the primary again", async () => {
    const t = await seedTenant(env.DB);
    const old = await addKey(t, "ideogram", secretKey("old"));
    const fresh = await addKey(t, "ideogram", secretKey("new"));
    const res = await send(t.adminKey, `/${old.id}/make-primary`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ...old, is_primary: true });
    expect((await list(t)).map((k) => [k.id, k.is_primary])).toEqual([
      [old.id, true],
      [fresh.id, false],
    ]);
  });

  it("deletes a secondary key with a 204 and no body", async () => {
    const t = await seedTenant(env.DB);
    const old = await addKey(t, "ideogram", secretKey("old"));
    const fresh = await addKey(t, "ideogram", secretKey("new"));
    const res = await send(t.adminKey, `/${old.id}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(await list(t)).toEqual([fresh]);
    await expectProblem(
      await send(t.adminKey, `/${old.id}`, { method: "DELETE" }),
      404,
      "provider_key_not_found",
    );
  });

  it("hands the primary over to the newest remaining key when the primary is deleted", async () => {
    const t = await seedTenant(env.DB);
    const oldest = await addKey(t, "ideogram", secretKey("a"));
    const middle = await addKey(t, "ideogram", secretKey("b"));
    await send(t.adminKey, `/${oldest.id}/make-primary`, { method: "POST" });
    expect((await send(t.adminKey, `/${oldest.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await list(t)).toEqual([{ ...middle, is_primary: true }]);
  });
});

describe("provider keys: errors", () => {
  it("answers 403 to user keys on every route", async () => {
    const t = await seedTenant(env.DB);
    const key = await addKey(t, "ideogram", secretKey());
    for (const userKey of [t.userKey, t.instanceWideKey]) {
      await expectProblem(await send(userKey, ""), 403, "forbidden");
      await expectProblem(
        await send(userKey, "", { method: "POST", body: { provider: "ideogram", api_key: secretKey() } }),
        403,
        "forbidden",
      );
      await expectProblem(
        await send(userKey, `/${key.id}/make-primary`, { method: "POST" }),
        403,
        "forbidden",
      );
      await expectProblem(await send(userKey, `/${key.id}`, { method: "DELETE" }), 403, "forbidden");
    }
    expect(await list(t)).toEqual([key]);
  });

  it("answers 401 without an API key", async () => {
    const res = await app.request(BASE, {}, { ...env, PROVIDER_KEYS_MASTER_KEY: MASTER });
    await expectProblem(res, 401, "unauthorized");
  });

  it("returns 404 for a key of another instance, and leaves it alone", async () => {
    const mine = await seedTenant(env.DB);
    const theirs = await seedTenant(env.DB);
    const their = await addKey(theirs, "ideogram", secretKey());
    const older = await addKey(theirs, "ideogram", secretKey());
    await expectProblem(
      await send(mine.adminKey, `/${their.id}/make-primary`, { method: "POST" }),
      404,
      "provider_key_not_found",
    );
    await expectProblem(
      await send(mine.adminKey, `/${their.id}`, { method: "DELETE" }),
      404,
      "provider_key_not_found",
    );
    expect(await list(mine)).toEqual([]);
    expect((await list(theirs)).map((k) => [k.id, k.is_primary])).toEqual([
      [older.id, true],
      [their.id, false],
    ]);
  });

  it("returns 404 for an unknown key id", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(
      await send(t.adminKey, "/pk_00000000000000000000/make-primary", { method: "POST" }),
      404,
      "provider_key_not_found",
    );
  });

  it("answers 503 encryption_not_configured on every route without a master key", async () => {
    const t = await seedTenant(env.DB);
    const key = await addKey(t, "ideogram", secretKey());
    const body = { provider: "ideogram", api_key: secretKey() };
    await expectProblem(await send(t.adminKey, "", {}, null), 503, "encryption_not_configured");
    await expectProblem(
      await send(t.adminKey, "", { method: "POST", body }, null),
      503,
      "encryption_not_configured",
    );
    await expectProblem(
      await send(t.adminKey, `/${key.id}/make-primary`, { method: "POST" }, null),
      503,
      "encryption_not_configured",
    );
    await expectProblem(
      await send(t.adminKey, `/${key.id}`, { method: "DELETE" }, null),
      503,
      "encryption_not_configured",
    );
    await expectProblem(await send(t.adminKey, "", {}, "  "), 503, "encryption_not_configured");
    expect(await list(t)).toEqual([key]);
  });

  it("answers 503 for a malformed master key and logs why without its value", async () => {
    const t = await seedTenant(env.DB);
    const malformed = btoa("sixteen byte key");
    const res = await send(
      t.adminKey,
      "",
      { method: "POST", body: { provider: "ideogram", api_key: secretKey() } },
      malformed,
    );
    const problem = await expectProblem(res, 503, "encryption_not_configured");
    expect(JSON.stringify(problem)).not.toContain(malformed);
    expect(logged.join("\n")).toContain("must decode to 32 bytes, got 16");
    expect(logged.join("\n")).not.toContain(malformed);
    expect(await rows("SELECT id FROM provider_keys WHERE instance_id = ?", t.instanceId)).toEqual([]);
  });

  it.each([
    ["a provider that needs no key", { provider: "demo", api_key: "demo_key_123456" }, "provider"],
    ["an unknown provider", { provider: "midjourney", api_key: "mj_key_123456789" }, "provider"],
    ["a key that is too short", { provider: "ideogram", api_key: "short" }, "api_key"],
    ["a key with whitespace", { provider: "ideogram", api_key: "abc def ghi jkl" }, "api_key"],
    ["a missing key", { provider: "ideogram" }, "api_key"],
    ["an unknown field", { provider: "ideogram", api_key: "abcdefghijkl", primary: false }, "(body)"],
  ])("rejects %s with 400 validation_failed", async (_label, body, path) => {
    const t = await seedTenant(env.DB);
    const problem = await expectProblem(
      await send(t.adminKey, "", { method: "POST", body }),
      400,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toContain(path);
    expect(await rows("SELECT id FROM provider_keys WHERE instance_id = ?", t.instanceId)).toEqual([]);
  });

  it("rejects an unknown provider filter", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(await send(t.adminKey, "?provider=nope"), 400, "validation_failed");
  });
});

describe("provider keys: secrecy", () => {
  it("never returns or logs a plaintext key or its ciphertext, whatever the route or outcome", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedTenant(env.DB);
    const first = secretKey("first");
    const second = secretKey("second");
    const rejected = `${secretKey("rejected")} with spaces`;
    const a = await addKey(t, "ideogram", first);
    const b = await addKey(t, "ideogram", second);
    await send(t.adminKey, "", { method: "POST", body: { provider: "ideogram", api_key: rejected } });
    await send(t.adminKey, "", { method: "POST", body: { provider: "demo", api_key: first } });
    await send(t.userKey, "", { method: "POST", body: { provider: "ideogram", api_key: first } });
    await send(t.adminKey, "", { method: "POST", body: { provider: "ideogram", api_key: first } }, null);
    await send(t.adminKey, "", { method: "POST", body: { provider: "ideogram", api_key: first } }, "bad");
    await send(t.adminKey, "");
    await send(t.adminKey, "?provider=ideogram");
    await send(t.adminKey, `/${a.id}/make-primary`, { method: "POST" });
    await send(other.adminKey, `/${b.id}`, { method: "DELETE" });
    await send(t.adminKey, `/${b.id}`, { method: "DELETE" });

    const ciphertexts = (await rows<{ ciphertext: string }>("SELECT ciphertext FROM provider_keys")).map(
      (r) => r.ciphertext,
    );
    expect(exchanges.length).toBeGreaterThanOrEqual(12);
    const seen = [...exchanges.map((e) => `${e.headers}\n${e.body}`), ...logged].join("\n");
    for (const secret of [first, second, rejected, ...ciphertexts]) {
      expect(seen).not.toContain(secret);
      // Not even most of it: only the last 4 characters may show.
      expect(seen).not.toContain(secret.slice(0, -4));
    }
  });

  it("declares the routes and their error codes in the OpenAPI document", async () => {
    const res = await app.request("/openapi.json", {}, env);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { "x-error-codes"?: string[] }> }>>;
    };
    const codesOf = (path: string, method: string) =>
      Object.values(doc.paths[path]?.[method]?.responses ?? {}).flatMap((r) => r["x-error-codes"] ?? []);
    expect(codesOf("/v1/admin/provider-keys", "get")).toEqual(
      expect.arrayContaining(["forbidden", "encryption_not_configured"]),
    );
    expect(codesOf("/v1/admin/provider-keys", "post")).toEqual(
      expect.arrayContaining(["forbidden", "validation_failed", "encryption_not_configured"]),
    );
    expect(codesOf("/v1/admin/provider-keys/{id}/make-primary", "post")).toContain("provider_key_not_found");
    expect(codesOf("/v1/admin/provider-keys/{id}", "delete")).toContain("provider_key_not_found");
    const schemas = JSON.stringify((doc as unknown as { components: unknown }).components);
    expect(schemas).toContain("ProviderKey");
    expect(JSON.stringify(doc.paths["/v1/admin/provider-keys"]?.get)).not.toContain("ciphertext");
  });
});
