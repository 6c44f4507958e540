// Admin API for an instance's provider settings: pacing limits per provider (instance row or the
// adapter's defaults) and the default fallback chain. Admin keys only, scoped to the key's instance.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/db/client";
import { loadInstanceSettings } from "../../shared/db/queries/instance-settings";
import { type ErrorCode, PROBLEM_CONTENT_TYPE } from "../../shared/errors";
import { providerNames } from "../../shared/jobs/enums";
import { getProvider } from "../../shared/providers/registry";
import { authHeaders, type SeededTenant, seedTenant } from "../support/tenant";
import { call, callWith, expectProblem, rows } from "./helpers";

interface LimitBody {
  provider: string;
  rate_per_second: number;
  burst: number;
  max_in_flight: number;
  tokens_per_minute: number | null;
  source: "instance" | "default";
}

const LIMITS = "/v1/admin/provider-limits";
const FALLBACK = "/v1/admin/fallback-providers";

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

async function listLimits(key: string): Promise<LimitBody[]> {
  const body = await ok<{ object: string; data: LimitBody[] }>(await send(key, LIMITS));
  expect(body.object).toBe("list");
  return body.data;
}

const putLimit = (key: string, provider: string, body: unknown) =>
  send(key, `${LIMITS}/${provider}`, "PUT", body);

function defaultEntry(provider: (typeof providerNames)[number]): LimitBody {
  const d = getProvider(provider).defaultLimits;
  return {
    provider,
    rate_per_second: d.ratePerSecond,
    burst: d.burst,
    max_in_flight: d.maxInFlight,
    tokens_per_minute: getProvider(provider).text?.defaultTokensPerMinute ?? null,
    source: "default",
  };
}

const allDefaults = () => providerNames.map(defaultEntry);

async function limitRows(t: SeededTenant) {
  return rows<{ provider: string; rate_per_second: number; burst: number; max_in_flight: number }>(
    "SELECT provider, rate_per_second, burst, max_in_flight FROM provider_limits WHERE instance_id = ? ORDER BY provider",
    t.instanceId,
  );
}

async function getChain(key: string): Promise<string[] | null> {
  return (await ok<{ fallback_providers: string[] | null }>(await send(key, FALLBACK))).fallback_providers;
}

describe("provider limits: list, set, reset", () => {
  it("sets a text provider's tokens per minute, and keeps the default when it is left out", async () => {
    const t = await seedTenant(env.DB);
    const body = { rate_per_second: 1, burst: 2, max_in_flight: 3, tokens_per_minute: 30_000 };
    expect(await ok<LimitBody>(await putLimit(t.adminKey, "openai", body))).toMatchObject({
      tokens_per_minute: 30_000,
      source: "instance",
    });
    const { tokens_per_minute: _, ...rest } = body;
    expect(await ok<LimitBody>(await putLimit(t.adminKey, "openai", rest))).toMatchObject({
      tokens_per_minute: 200_000,
    });
    const refused = await putLimit(t.adminKey, "openai", { ...body, tokens_per_minute: 0 });
    expect(refused.status).toBe(400);
  });

  it("lists every provider on its adapter defaults when the instance set none", async () => {
    const t = await seedTenant(env.DB);
    expect(await listLimits(t.adminKey)).toEqual(allDefaults());
  });

  it("answers a PUT with the effective entry and lists it with source instance", async () => {
    const t = await seedTenant(env.DB);
    const res = await putLimit(t.adminKey, "ideogram", { rate_per_second: 0.5, burst: 4, max_in_flight: 7 });
    const entry = await ok<LimitBody>(res);
    expect(entry).toEqual({
      provider: "ideogram",
      rate_per_second: 0.5,
      burst: 4,
      max_in_flight: 7,
      tokens_per_minute: null,
      source: "instance",
    });

    const listed = await listLimits(t.adminKey);
    expect(listed).toEqual(allDefaults().map((d) => (d.provider === "ideogram" ? entry : d)));
    expect(await limitRows(t)).toEqual([
      { provider: "ideogram", rate_per_second: 0.5, burst: 4, max_in_flight: 7 },
    ]);
  });

  it("stores the values where the consumer reads its instance settings", async () => {
    const t = await seedTenant(env.DB);
    await ok(await putLimit(t.adminKey, "openai", { rate_per_second: 2.125, burst: 6, max_in_flight: 3 }));
    await ok(await send(t.adminKey, FALLBACK, "PUT", { fallback_providers: ["replicate", "demo"] }));

    const settings = await loadInstanceSettings(createDb(env.DB), t.instanceId);
    expect(settings.limits.get("openai")).toMatchObject({ ratePerSecond: 2.125, burst: 6, maxInFlight: 3 });
    expect(settings.limits.has("ideogram")).toBe(false);
    expect(settings.fallbackProviders).toEqual(["replicate", "demo"]);
  });

  it("replaces the instance's limits on a second PUT (upsert, one row)", async () => {
    const t = await seedTenant(env.DB);
    await ok(await putLimit(t.adminKey, "demo", { rate_per_second: 5, burst: 5, max_in_flight: 5 }));
    const second = await ok<LimitBody>(
      await putLimit(t.adminKey, "demo", { rate_per_second: 10000, burst: 10000, max_in_flight: 1 }),
    );
    expect(second).toMatchObject({
      rate_per_second: 10000,
      burst: 10000,
      max_in_flight: 1,
      source: "instance",
    });
    expect(await limitRows(t)).toEqual([
      { provider: "demo", rate_per_second: 10000, burst: 10000, max_in_flight: 1 },
    ]);
  });

  it("accepts the bounds: 0.001 requests per second, 3 decimals, 1 and 10000", async () => {
    const t = await seedTenant(env.DB);
    for (const body of [
      { rate_per_second: 0.001, burst: 1, max_in_flight: 1 },
      { rate_per_second: 1234.567, burst: 10000, max_in_flight: 10000 },
      { rate_per_second: 10000, burst: 1, max_in_flight: 10000 },
    ]) {
      const entry = await ok<LimitBody>(await putLimit(t.adminKey, "replicate", body));
      // Replicate runs no text jobs: it has no tokens-per-minute limit.
      expect(entry).toEqual({ provider: "replicate", ...body, tokens_per_minute: null, source: "instance" });
    }
  });

  it("puts a provider back on its defaults with DELETE, and answers 204 again when it already is", async () => {
    const t = await seedTenant(env.DB);
    await ok(await putLimit(t.adminKey, "openai", { rate_per_second: 3, burst: 3, max_in_flight: 3 }));
    await ok(await putLimit(t.adminKey, "demo", { rate_per_second: 3, burst: 3, max_in_flight: 3 }));

    const res = await send(t.adminKey, `${LIMITS}/openai`, "DELETE");
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    const listed = await listLimits(t.adminKey);
    expect(listed.find((l) => l.provider === "openai")).toEqual(defaultEntry("openai"));
    expect(listed.find((l) => l.provider === "demo")?.source).toBe("instance");

    expect((await send(t.adminKey, `${LIMITS}/openai`, "DELETE")).status).toBe(204);
    expect((await limitRows(t)).map((r) => r.provider)).toEqual(["demo"]);
  });
});

describe("provider limits: validation", () => {
  const valid = { rate_per_second: 1, burst: 2, max_in_flight: 3 };
  const invalid: [name: string, body: unknown, field: string][] = [
    ["a rate of 0", { ...valid, rate_per_second: 0 }, "rate_per_second"],
    ["a negative rate", { ...valid, rate_per_second: -1 }, "rate_per_second"],
    ["a rate above 10000", { ...valid, rate_per_second: 10000.001 }, "rate_per_second"],
    ["a rate with 4 decimals", { ...valid, rate_per_second: 1.0005 }, "rate_per_second"],
    ["a rate as a string", { ...valid, rate_per_second: "1" }, "rate_per_second"],
    ["a float burst", { ...valid, burst: 1.5 }, "burst"],
    ["a burst of 0", { ...valid, burst: 0 }, "burst"],
    ["a burst above 10000", { ...valid, burst: 10001 }, "burst"],
    ["a float max_in_flight", { ...valid, max_in_flight: 2.5 }, "max_in_flight"],
    ["a max_in_flight of 0", { ...valid, max_in_flight: 0 }, "max_in_flight"],
    ["a missing max_in_flight", { rate_per_second: 1, burst: 2 }, "max_in_flight"],
    ["an unknown field", { ...valid, provider: "openai" }, "(body)"],
  ];

  it.each(invalid)("rejects %s with 400 validation_failed and stores nothing", async (_, body, field) => {
    const t = await seedTenant(env.DB);
    const problem = await expectProblem(
      await putLimit(t.adminKey, "ideogram", body),
      400,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toContain(field);
    expect(await limitRows(t)).toEqual([]);
  });

  it("rejects an unknown provider in the path with 400 validation_failed on PUT and DELETE", async () => {
    const t = await seedTenant(env.DB);
    for (const provider of ["midjourney", "IDEOGRAM", "ideogram%20"]) {
      const put = await expectProblem(await putLimit(t.adminKey, provider, valid), 400, "validation_failed");
      expect(put.errors?.[0]?.path).toBe("param.provider");
      const del = await send(t.adminKey, `${LIMITS}/${provider}`, "DELETE");
      await expectProblem(del, 400, "validation_failed");
    }
    expect(await limitRows(t)).toEqual([]);
  });

  it("answers malformed JSON and a non-JSON body with their own codes", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(await putLimit(t.adminKey, "demo", "{"), 400, "malformed_json");
    const text = await call(`${LIMITS}/demo`, {
      method: "PUT",
      headers: { ...authHeaders(t.adminKey), "content-type": "text/plain" },
      body: JSON.stringify(valid),
    });
    await expectProblem(text, 415, "unsupported_media_type");
    expect(await limitRows(t)).toEqual([]);
  });
});

describe("fallback providers: get, set, clear", () => {
  it("answers null when the instance has no default chain", async () => {
    const t = await seedTenant(env.DB);
    expect(await getChain(t.adminKey)).toBeNull();
  });

  it("sets a chain, reads it back in order, and clears it with null", async () => {
    const t = await seedTenant(env.DB);
    const put = await send(t.adminKey, FALLBACK, "PUT", {
      fallback_providers: ["replicate", "openai", "demo"],
    });
    expect(await ok(put)).toEqual({ fallback_providers: ["replicate", "openai", "demo"] });
    expect(await getChain(t.adminKey)).toEqual(["replicate", "openai", "demo"]);

    const cleared = await send(t.adminKey, FALLBACK, "PUT", { fallback_providers: null });
    expect(await ok(cleared)).toEqual({ fallback_providers: null });
    expect(await getChain(t.adminKey)).toBeNull();
    const [row] = await rows<{ fallback_providers: string | null }>(
      "SELECT fallback_providers FROM instances WHERE id = ?",
      t.instanceId,
    );
    expect(row?.fallback_providers).toBeNull();
  });

  it("stores an empty chain as given", async () => {
    const t = await seedTenant(env.DB);
    expect(await ok(await send(t.adminKey, FALLBACK, "PUT", { fallback_providers: [] }))).toEqual({
      fallback_providers: [],
    });
    expect(await getChain(t.adminKey)).toEqual([]);
  });

  const invalid: [name: string, body: unknown][] = [
    ["a repeated provider", { fallback_providers: ["openai", "demo", "openai"] }],
    ["an unknown provider", { fallback_providers: ["openai", "midjourney"] }],
    ["more than 3 providers", { fallback_providers: ["demo", "ideogram", "openai", "replicate"] }],
    ["a missing field", {}],
    ["a string instead of a list", { fallback_providers: "openai" }],
    ["an unknown field", { fallback_providers: null, extra: 1 }],
  ];

  it.each(invalid)("rejects %s with 400 validation_failed and keeps the chain", async (_, body) => {
    const t = await seedTenant(env.DB);
    await ok(await send(t.adminKey, FALLBACK, "PUT", { fallback_providers: ["ideogram"] }));
    await expectProblem(await send(t.adminKey, FALLBACK, "PUT", body), 400, "validation_failed");
    expect(await getChain(t.adminKey)).toEqual(["ideogram"]);
  });
});

describe("provider settings: admin keys only, one instance", () => {
  it("answers 403 forbidden to user and instance-wide user keys on every route, changing nothing", async () => {
    const t = await seedTenant(env.DB);
    const attempts: [string, string, unknown?][] = [
      ["GET", LIMITS],
      ["PUT", `${LIMITS}/demo`, { rate_per_second: 1, burst: 1, max_in_flight: 1 }],
      ["DELETE", `${LIMITS}/demo`],
      ["GET", FALLBACK],
      ["PUT", FALLBACK, { fallback_providers: ["demo"] }],
    ];
    for (const key of [t.userKey, t.instanceWideKey]) {
      for (const [method, path, body] of attempts) {
        await expectProblem(await send(key, path, method, body), 403, "forbidden");
      }
    }
    expect(await limitRows(t)).toEqual([]);
    expect(await getChain(t.adminKey)).toBeNull();
  });

  it("answers 401 without a key and with a revoked key", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(await call(LIMITS), 401, "unauthorized");
    await expectProblem(await send(t.revokedKey, FALLBACK), 401, "unauthorized");
  });

  it("keeps each instance's limits to itself", async () => {
    const a = await seedTenant(env.DB);
    const b = await seedTenant(env.DB);
    await ok(await putLimit(a.adminKey, "ideogram", { rate_per_second: 0.25, burst: 1, max_in_flight: 2 }));
    expect(await listLimits(b.adminKey)).toEqual(allDefaults());

    await ok(await putLimit(b.adminKey, "ideogram", { rate_per_second: 9, burst: 9, max_in_flight: 9 }));
    expect((await listLimits(a.adminKey)).find((l) => l.provider === "ideogram")).toMatchObject({
      rate_per_second: 0.25,
      source: "instance",
    });

    expect((await send(a.adminKey, `${LIMITS}/ideogram`, "DELETE")).status).toBe(204);
    expect(await limitRows(b)).toEqual([
      { provider: "ideogram", rate_per_second: 9, burst: 9, max_in_flight: 9 },
    ]);
  });

  it("keeps each instance's fallback chain to itself", async () => {
    const a = await seedTenant(env.DB);
    const b = await seedTenant(env.DB);
    await ok(await send(b.adminKey, FALLBACK, "PUT", { fallback_providers: ["demo"] }));
    await ok(await send(a.adminKey, FALLBACK, "PUT", { fallback_providers: ["openai", "replicate"] }));
    expect(await getChain(b.adminKey)).toEqual(["demo"]);
    await ok(await send(a.adminKey, FALLBACK, "PUT", { fallback_providers: null }));
    expect(await getChain(b.adminKey)).toEqual(["demo"]);
    expect(await getChain(a.adminKey)).toBeNull();
  });
});

// ---- the OpenAPI document and the runtime agree -------------------------------------------------

interface ResponseDoc {
  "x-error-codes"?: string[];
  content?: Record<string, unknown>;
}
interface SchemaDoc {
  properties?: Record<string, { description?: string; example?: unknown }>;
}
interface OpenApiDoc {
  paths: Record<string, Record<string, { description?: string; responses: Record<string, ResponseDoc> }>>;
  components: { schemas: Record<string, SchemaDoc> };
}

async function loadDoc(): Promise<OpenApiDoc> {
  return ok<OpenApiDoc>(await call("/openapi.json"));
}

const oversized = () => JSON.stringify({ pad: "x".repeat(Number(env.MAX_BODY_BYTES)) });
const validLimit = { rate_per_second: 1, burst: 1, max_in_flight: 1 };
const JSON_TYPE = { "content-type": "application/json" };

/** Every code each route declares, and a request that makes the runtime send it. */
const driven: { op: string; code: ErrorCode; send: (t: SeededTenant) => Promise<Response> }[] = [
  { op: `get ${LIMITS}`, code: "unauthorized", send: () => call(LIMITS) },
  { op: `get ${LIMITS}`, code: "forbidden", send: (t) => send(t.userKey, LIMITS) },
  {
    op: `put ${LIMITS}/{provider}`,
    code: "unauthorized",
    send: () =>
      call(`${LIMITS}/demo`, { method: "PUT", headers: JSON_TYPE, body: JSON.stringify(validLimit) }),
  },
  {
    op: `put ${LIMITS}/{provider}`,
    code: "forbidden",
    send: (t) => putLimit(t.userKey, "demo", validLimit),
  },
  {
    op: `put ${LIMITS}/{provider}`,
    code: "validation_failed",
    send: (t) => putLimit(t.adminKey, "demo", { ...validLimit, burst: 1.5 }),
  },
  { op: `put ${LIMITS}/{provider}`, code: "malformed_json", send: (t) => putLimit(t.adminKey, "demo", "{") },
  {
    op: `put ${LIMITS}/{provider}`,
    code: "unsupported_media_type",
    send: (t) =>
      call(`${LIMITS}/demo`, {
        method: "PUT",
        headers: { ...authHeaders(t.adminKey), "content-type": "text/plain" },
        body: "{}",
      }),
  },
  {
    op: `put ${LIMITS}/{provider}`,
    code: "payload_too_large",
    send: (t) => putLimit(t.adminKey, "demo", oversized()),
  },
  {
    op: `delete ${LIMITS}/{provider}`,
    code: "unauthorized",
    send: () => call(`${LIMITS}/demo`, { method: "DELETE" }),
  },
  {
    op: `delete ${LIMITS}/{provider}`,
    code: "forbidden",
    send: (t) => send(t.userKey, `${LIMITS}/demo`, "DELETE"),
  },
  {
    op: `delete ${LIMITS}/{provider}`,
    code: "validation_failed",
    send: (t) => send(t.adminKey, `${LIMITS}/nope`, "DELETE"),
  },
  {
    op: `delete ${LIMITS}/{provider}`,
    code: "payload_too_large",
    send: (t) => send(t.adminKey, `${LIMITS}/demo`, "DELETE", oversized()),
  },
  { op: `get ${FALLBACK}`, code: "unauthorized", send: () => call(FALLBACK) },
  { op: `get ${FALLBACK}`, code: "forbidden", send: (t) => send(t.userKey, FALLBACK) },
  {
    op: `put ${FALLBACK}`,
    code: "unauthorized",
    send: () =>
      call(FALLBACK, {
        method: "PUT",
        headers: JSON_TYPE,
        body: JSON.stringify({ fallback_providers: null }),
      }),
  },
  {
    op: `put ${FALLBACK}`,
    code: "forbidden",
    send: (t) => send(t.userKey, FALLBACK, "PUT", { fallback_providers: null }),
  },
  {
    op: `put ${FALLBACK}`,
    code: "validation_failed",
    send: (t) => send(t.adminKey, FALLBACK, "PUT", { fallback_providers: ["demo", "demo"] }),
  },
  { op: `put ${FALLBACK}`, code: "malformed_json", send: (t) => send(t.adminKey, FALLBACK, "PUT", "{") },
  {
    op: `put ${FALLBACK}`,
    code: "unsupported_media_type",
    send: (t) =>
      call(FALLBACK, {
        method: "PUT",
        headers: { ...authHeaders(t.adminKey), "content-type": "text/plain" },
        body: "{}",
      }),
  },
  {
    op: `put ${FALLBACK}`,
    code: "payload_too_large",
    send: (t) => send(t.adminKey, FALLBACK, "PUT", oversized()),
  },
];

// Every route counts the key's requests: one the limiter refuses is a 429 on each of them.
const refusingLimiter = { limit: async () => ({ success: false }) } as RateLimit;
for (const op of new Set(driven.map((d) => d.op))) {
  const [method = "", path = ""] = op.split(" ");
  const concrete = path.replace("{provider}", "demo");
  driven.push({
    op,
    code: "rate_limited",
    send: (t) =>
      callWith({ API_KEY_RATE_LIMITER: refusingLimiter }, concrete, {
        method: method.toUpperCase(),
        headers: { ...authHeaders(t.adminKey), ...JSON_TYPE },
        ...(method === "put" ? { body: JSON.stringify(validLimit) } : {}),
      }),
  });
}

function declared(doc: OpenApiDoc, op: string, status?: number): string[] {
  const [method = "", path = ""] = op.split(" ");
  const responses = doc.paths[path]?.[method]?.responses;
  if (!responses) throw new Error(`${op} is not in /openapi.json`);
  return Object.entries(responses)
    .filter(([s]) => status === undefined || Number(s) === status)
    .flatMap(([, r]) => r["x-error-codes"] ?? []);
}

describe("OpenAPI document", () => {
  const ops = [...new Set(driven.map((d) => d.op))];

  it("declares, for each settings route, exactly the codes the runtime can be driven to send", async () => {
    const doc = await loadDoc();
    expect(ops).toHaveLength(5);
    for (const op of ops) {
      const codes = driven.filter((d) => d.op === op).map((d) => d.code);
      expect([...new Set(declared(doc, op))].sort(), op).toEqual([...new Set(codes)].sort());
    }
    expect(Object.keys(doc.paths[LIMITS]?.get?.responses ?? {})).toContain("200");
    expect(Object.keys(doc.paths[`${LIMITS}/{provider}`]?.delete?.responses ?? {})).toContain("204");
  });

  it.each(driven)("$op sends $code as declared", async ({ op, code, send: drive }) => {
    const doc = await loadDoc();
    const t = await seedTenant(env.DB);
    const res = await drive(t);
    expect(res.headers.get("content-type")).toBe(PROBLEM_CONTENT_TYPE);
    await expectProblem(res, res.status, code);
    expect(declared(doc, op, res.status), `${op} ${res.status}`).toContain(code);
  });

  it("describes every field with an example, and says changes apply within 30 s", async () => {
    const doc = await loadDoc();
    for (const name of [
      "ProviderLimit",
      "ProviderLimitList",
      "PutProviderLimitRequest",
      "FallbackProviders",
      "PutFallbackProvidersRequest",
    ]) {
      const properties = Object.entries(doc.components.schemas[name]?.properties ?? {});
      expect(properties.length, name).toBeGreaterThan(0);
      for (const [field, schema] of properties) {
        expect(schema.description, `${name}.${field}`).toEqual(expect.any(String));
        expect(schema.example, `${name}.${field}`).toBeDefined();
      }
    }
    for (const op of ops) {
      const [method = "", path = ""] = op.split(" ");
      expect(doc.paths[path]?.[method]?.description, op).toMatch(/30 seconds/);
    }
  });
});
