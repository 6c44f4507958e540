// The spec and the runtime agree on error codes: every code /openapi.json declares is a known code
// under its own status, and every error a route sends is one the document declares for that route.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { type ErrorCode, PROBLEM_CONTENT_TYPE, errorCodes, statusForCode } from "../../shared/errors";
import type { Job } from "../../shared/jobs/schemas";
import { deriveImageUrlKey, signedImageUrl } from "../../shared/images/signed-url";
import { generateMasterKey } from "../../shared/providers/keys/crypto";
import {
  type SeededTenant,
  authHeaders,
  seedJob,
  seedJobImage,
  seedOrgKey,
  seedTenant,
} from "../support/tenant";
import { call, callWith, getInit, jobBody, postInit, queueSpy } from "./helpers";

interface ResponseDoc {
  "x-error-codes"?: string[];
  content?: Record<string, { schema?: { $ref?: string } }>;
}
type Operations = Record<string, { responses: Record<string, ResponseDoc> }>;
interface OpenApiDoc {
  paths: Record<string, Operations>;
}

async function loadDoc(): Promise<OpenApiDoc> {
  const res = await call("/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as OpenApiDoc;
}

/** "post /v1/jobs" -> its responses. */
function operations(doc: OpenApiDoc): [op: string, responses: Record<string, ResponseDoc>][] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(
      ([method, op]) => [`${method} ${path}`, op.responses] as [string, Record<string, ResponseDoc>],
    ),
  );
}

function declaredCodes(doc: OpenApiDoc, op: string, status?: number): string[] {
  const responses = operations(doc).find(([name]) => name === op)?.[1];
  if (!responses) throw new Error(`${op} is not in /openapi.json`);
  return Object.entries(responses)
    .filter(([s]) => status === undefined || Number(s) === status)
    .flatMap(([, r]) => r["x-error-codes"] ?? []);
}

/** A concrete URL for a templated path: ids that exist nowhere, index 0. */
const concrete = (path: string) => path.replace("{id}", "job_nowhere0000000000000").replace("{n}", "0");

interface Row {
  op: string;
  code: ErrorCode;
  send: (t: SeededTenant) => Promise<Response>;
}

const oversized = () =>
  JSON.stringify(jobBody({ metadata: { pad: "x".repeat(Number(env.MAX_BODY_BYTES)) } }));

async function seededImageJob(t: SeededTenant) {
  const job = await seedJob(env.DB, t, { status: "succeeded" });
  await seedJobImage(env, job.id, { index: 0, bytes: new Uint8Array([1]), contentType: "image/png" });
  return job;
}

/** A signed URL of image 0 of a seeded job, issued `agoMs` ago with a 60 s TTL, and the bindings that verify it. */
async function signedUrl(t: SeededTenant, agoMs: number) {
  const master = generateMasterKey();
  const key = await deriveImageUrlKey(master);
  const { url } = await signedImageUrl((await seededImageJob(t)).id, 0, key, 60, Date.now() - agoMs);
  return { url, bindings: { PROVIDER_KEYS_MASTER_KEY: master } as Partial<ProducerEnv> };
}

/** A job archived to an object that is not in R2: reading it back fails (503). */
async function unreadableArchivedJobId(t: SeededTenant): Promise<string> {
  const job = await seedJob(env.DB, t, { status: "succeeded" });
  await env.DB.prepare(
    "UPDATE jobs SET archived_at = 1, archive_key = 'nowhere.jsonl.gz', archive_offset = 0, archive_length = 20 WHERE id = ?",
  )
    .bind(job.id)
    .run();
  return job.id;
}

async function foreignJobId(): Promise<string> {
  return (await seedJob(env.DB, await seedTenant(env.DB), { status: "queued" })).id;
}

async function postTwice(t: SeededTenant, second: unknown): Promise<Response> {
  expect((await call("/v1/jobs", postInit(t.userKey, jobBody(), { "idempotency-key": "dup" }))).status).toBe(
    202,
  );
  return call("/v1/jobs", postInit(t.userKey, second, { "idempotency-key": "dup" }));
}

/** An organization-wide admin key of the tenant's organization: the job API refuses it (403). */
async function orgWideKey(t: SeededTenant): Promise<string> {
  return (await seedOrgKey(env.DB, { organizationId: t.organizationId, role: "admin" })).key;
}

/** A project of the tenant's instance, archived. */
async function archivedProject(t: SeededTenant): Promise<string> {
  const id = `prj_archived${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await env.DB.prepare(
    "INSERT INTO projects (id, instance_id, name, archived_at, created_at) VALUES (?, ?, ?, ?, ?)",
  )
    .bind(id, t.instanceId, "old", Date.now(), Date.now())
    .run();
  return id;
}

/** One request per route and error the route can send (401 is driven for every route below). */
const table: Row[] = [
  // The job API needs a key narrowed to an instance.
  {
    op: "post /v1/jobs",
    code: "forbidden",
    send: async (t) => call("/v1/jobs", postInit(await orgWideKey(t), jobBody())),
  },
  {
    op: "get /v1/jobs",
    code: "forbidden",
    send: async (t) => call("/v1/jobs", getInit(await orgWideKey(t))),
  },
  {
    op: "get /v1/jobs/{id}",
    code: "forbidden",
    send: async (t) => call(`/v1/jobs/${(await seedJob(env.DB, t)).id}`, getInit(await orgWideKey(t))),
  },
  {
    op: "get /v1/jobs/{id}/events",
    code: "forbidden",
    send: async (t) => call(`/v1/jobs/${(await seedJob(env.DB, t)).id}/events`, getInit(await orgWideKey(t))),
  },
  {
    op: "get /v1/jobs/{id}/images/{n}",
    code: "forbidden",
    send: async (t) =>
      call(`/v1/jobs/${(await seededImageJob(t)).id}/images/0`, getInit(await orgWideKey(t))),
  },
  {
    op: "post /v1/jobs",
    code: "archived",
    send: async (t) =>
      call("/v1/jobs", postInit(t.instanceWideKey, jobBody({ project_id: await archivedProject(t) }))),
  },
  // POST /v1/jobs
  {
    op: "post /v1/jobs",
    code: "validation_failed",
    send: (t) => call("/v1/jobs", postInit(t.userKey, { type: "x" })),
  },
  { op: "post /v1/jobs", code: "malformed_json", send: (t) => call("/v1/jobs", postInit(t.userKey, "{")) },
  {
    op: "post /v1/jobs",
    code: "malformed_json",
    send: (t) => call("/v1/jobs", { method: "POST", headers: authHeaders(t.userKey) }),
  },
  {
    op: "post /v1/jobs",
    code: "unsupported_media_type",
    send: (t) => call("/v1/jobs", postInit(t.userKey, "{}", { "content-type": "text/plain" })),
  },
  {
    op: "post /v1/jobs",
    code: "unsupported_media_type",
    send: (t) => call("/v1/jobs", postInit(t.userKey, "{}", { "content-type": "application/vnd.x+y+json" })),
  },
  {
    op: "post /v1/jobs",
    code: "payload_too_large",
    send: (t) => call("/v1/jobs", postInit(t.userKey, oversized())),
  },
  {
    op: "post /v1/jobs",
    code: "idempotency_key_invalid",
    send: (t) => call("/v1/jobs", postInit(t.userKey, jobBody(), { "idempotency-key": "" })),
  },
  {
    op: "post /v1/jobs",
    code: "idempotency_key_reused",
    send: (t) => postTwice(t, jobBody({ metadata: { b: "2" } })),
  },
  {
    op: "post /v1/jobs",
    code: "idempotency_key_in_progress",
    send: async (t) => {
      await postTwice(t, jobBody()); // completes the key, then forget its answer: still "in flight"
      await env.DB.prepare(
        "UPDATE idempotency_keys SET response_status = NULL, response_body = NULL WHERE api_key_id = ?",
      )
        .bind(t.keyIds.user)
        .run();
      return call("/v1/jobs", postInit(t.userKey, jobBody(), { "idempotency-key": "dup" }));
    },
  },
  {
    op: "post /v1/jobs",
    code: "webhook_url_invalid",
    send: (t) => call("/v1/jobs", postInit(t.userKey, jobBody({ webhook_url: "https://169.254.169.254/" }))),
  },
  {
    op: "post /v1/jobs",
    code: "budget_exceeded",
    send: async (t) => {
      // A budget below any job's estimate (the key's first lookup reads it).
      await env.DB.prepare("UPDATE instances SET monthly_budget_usd = 0.000001 WHERE id = ?")
        .bind(t.instanceId)
        .run();
      return call("/v1/jobs", postInit(t.userKey, jobBody({ provider: "openai" })));
    },
  },
  {
    op: "post /v1/jobs",
    code: "queue_unavailable",
    send: (t) => callWith({ JOBS: queueSpy("fail").queue }, "/v1/jobs", postInit(t.userKey, jobBody())),
  },
  // GET /v1/jobs
  {
    op: "get /v1/jobs",
    code: "validation_failed",
    send: (t) => call("/v1/jobs?limit=101", getInit(t.userKey)),
  },
  {
    op: "get /v1/jobs",
    code: "validation_failed",
    send: (t) => call("/v1/jobs?cursor=%25", getInit(t.userKey)),
  },
  // GET /v1/jobs/{id}
  {
    op: "get /v1/jobs/{id}",
    code: "job_not_found",
    send: async (t) => call(`/v1/jobs/${await foreignJobId()}`, getInit(t.userKey)),
  },
  {
    op: "get /v1/jobs/{id}",
    code: "validation_failed",
    send: (t) => call(`/v1/jobs/${"j".repeat(65)}`, getInit(t.userKey)),
  },
  {
    op: "get /v1/jobs/{id}",
    code: "service_unavailable",
    send: async (t) => call(`/v1/jobs/${await unreadableArchivedJobId(t)}`, getInit(t.userKey)),
  },
  // GET /v1/jobs/{id}/events
  {
    op: "get /v1/jobs/{id}/events",
    code: "job_not_found",
    send: async (t) => call(`/v1/jobs/${await foreignJobId()}/events`, getInit(t.userKey)),
  },
  {
    op: "get /v1/jobs/{id}/events",
    code: "validation_failed",
    send: (t) => call(`/v1/jobs/${"j".repeat(65)}/events`, getInit(t.userKey)),
  },
  {
    op: "get /v1/jobs/{id}/events",
    code: "service_unavailable",
    send: async (t) => call(`/v1/jobs/${await unreadableArchivedJobId(t)}/events`, getInit(t.userKey)),
  },
  // GET /v1/jobs/{id}/images/{n}
  {
    op: "get /v1/jobs/{id}/images/{n}",
    code: "job_not_found",
    send: async (t) => call(`/v1/jobs/${await foreignJobId()}/images/0`, getInit(t.userKey)),
  },
  {
    op: "get /v1/jobs/{id}/images/{n}",
    code: "image_not_found",
    send: async (t) => call(`/v1/jobs/${(await seededImageJob(t)).id}/images/1`, getInit(t.userKey)),
  },
  {
    op: "get /v1/jobs/{id}/images/{n}",
    code: "validation_failed",
    send: async (t) => call(`/v1/jobs/${(await seededImageJob(t)).id}/images/x`, getInit(t.userKey)),
  },
  {
    op: "get /v1/jobs/{id}/images/{n}",
    code: "images_removed",
    send: async (t) => {
      const job = await seededImageJob(t);
      await env.DB.prepare("UPDATE jobs SET images_removed_at = 1 WHERE id = ?").bind(job.id).run();
      return call(`/v1/jobs/${job.id}/images/0`, getInit(t.userKey));
    },
  },
  // GET /signed/jobs/{id}/images/{n} (no key; test/producer/images-signed.test.ts has the rest)
  {
    op: "get /signed/jobs/{id}/images/{n}",
    code: "image_url_invalid",
    send: async (t) => {
      const { url, bindings } = await signedUrl(t, 0);
      return callWith(bindings, url.replace(/signature=./, "signature=%21"));
    },
  },
  {
    op: "get /signed/jobs/{id}/images/{n}",
    code: "image_url_expired",
    send: async (t) => {
      const { url, bindings } = await signedUrl(t, 120_000);
      return callWith(bindings, url);
    },
  },
  // Routes owned elsewhere: a few errors each, to keep their declarations honest too.
  {
    op: "post /v1/jobs/{id}/cancel",
    code: "job_not_found",
    send: async (t) =>
      call(`/v1/jobs/${await foreignJobId()}/cancel`, { method: "POST", headers: authHeaders(t.userKey) }),
  },
  {
    op: "post /v1/jobs/{id}/cancel",
    code: "job_not_cancelable",
    send: async (t) => {
      const job = await seedJob(env.DB, t, { status: "succeeded" });
      return call(`/v1/jobs/${job.id}/cancel`, { method: "POST", headers: authHeaders(t.userKey) });
    },
  },
  {
    op: "post /v1/jobs/{id}/cancel",
    code: "unsupported_media_type",
    send: async (t) => {
      const job = await seedJob(env.DB, t, { status: "queued" });
      return call(`/v1/jobs/${job.id}/cancel`, postInit(t.userKey, "now", { "content-type": "text/plain" }));
    },
  },
  {
    // No requireBody on this route: the validation hook makes an empty body malformed_json too.
    op: "post /v1/admin/dead-letters/replay",
    code: "malformed_json",
    send: (t) => call("/v1/admin/dead-letters/replay", { method: "POST", headers: authHeaders(t.adminKey) }),
  },
  {
    op: "get /v1/admin/dead-letters",
    code: "forbidden",
    send: (t) => call("/v1/admin/dead-letters", getInit(t.userKey)),
  },
  {
    op: "post /v1/admin/dead-letters/replay",
    code: "forbidden",
    send: (t) => call("/v1/admin/dead-letters/replay", postInit(t.userKey, { ids: ["job_x"] })),
  },
];

/** Routes whose every declared code must be driven by a row (or by the 401 sweep). */
const fullyCovered = [
  "post /v1/jobs",
  "get /v1/jobs",
  "get /v1/jobs/{id}",
  "get /v1/jobs/{id}/events",
  "get /v1/jobs/{id}/images/{n}",
];

describe("/openapi.json error declarations", () => {
  it("declares only known codes, each under the status statusForCode gives it", async () => {
    const doc = await loadDoc();
    let declared = 0;
    for (const [op, responses] of operations(doc)) {
      for (const [status, response] of Object.entries(responses)) {
        const codes = response["x-error-codes"];
        const isProblem = response.content?.[PROBLEM_CONTENT_TYPE] !== undefined;
        expect(isProblem, `${op} ${status}: problem content iff x-error-codes`).toBe(codes !== undefined);
        if (!codes) continue;
        expect(codes.length, `${op} ${status}`).toBeGreaterThan(0);
        expect(response.content?.[PROBLEM_CONTENT_TYPE]?.schema?.$ref).toBe("#/components/schemas/Problem");
        for (const code of codes) {
          declared++;
          expect(errorCodes, `${op} declares ${code}`).toContain(code);
          expect(statusForCode[code as ErrorCode], `${op}: ${code} under ${status}`).toBe(Number(status));
        }
      }
    }
    expect(declared).toBeGreaterThan(20);
  });

  it("declares every route the table drives", async () => {
    const doc = await loadDoc();
    const ops = operations(doc).map(([op]) => op);
    for (const row of table) expect(ops).toContain(row.op);
    for (const op of fullyCovered) expect(ops).toContain(op);
  });

  it("declares, for each fully covered route, exactly the codes the table drives", async () => {
    const doc = await loadDoc();
    for (const op of fullyCovered) {
      const driven = new Set<string>([
        "unauthorized",
        "rate_limited",
        ...table.filter((r) => r.op === op).map((r) => r.code),
      ]);
      expect([...new Set(declaredCodes(doc, op))].sort(), op).toEqual([...driven].sort());
    }
  });
});

describe("the runtime sends only declared codes", () => {
  it("answers 401 unauthorized, declared, on every /v1 operation without a key", async () => {
    const doc = await loadDoc();
    const v1 = operations(doc).filter(([op]) => op.split(" ")[1]?.startsWith("/v1/"));
    expect(v1.length).toBeGreaterThanOrEqual(fullyCovered.length);
    for (const [op] of v1) {
      const [method = "", path = ""] = op.split(" ");
      const res = await call(concrete(path), {
        method: method.toUpperCase(),
        headers: { "content-type": "application/json" },
        body: method === "post" ? JSON.stringify(jobBody()) : undefined,
      });
      expect(res.status, op).toBe(401);
      expect(((await res.json()) as { code: string }).code, op).toBe("unauthorized");
      expect(declaredCodes(doc, op, 401), op).toContain("unauthorized");
    }
  });

  it("answers 429 rate_limited, declared, on every authenticated /v1 operation once the key is over its limit", async () => {
    const doc = await loadDoc();
    const t = await seedTenant(env.DB);
    const refuse = { limit: async () => ({ success: false }) } as RateLimit;
    const v1 = operations(doc).filter(
      ([op]) => op.split(" ")[1]?.startsWith("/v1/") && !op.includes("/signed/"),
    );
    for (const [op] of v1) {
      const [method = "", path = ""] = op.split(" ");
      const res = await callWith({ API_KEY_RATE_LIMITER: refuse }, concrete(path), {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
        body: method === "get" || method === "delete" ? undefined : JSON.stringify(jobBody()),
      });
      expect(res.status, op).toBe(429);
      expect(declaredCodes(doc, op, 429), op).toContain("rate_limited");
    }
  });

  it.each(table)("$op sends $code as declared", async ({ op, code, send }) => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const doc = await loadDoc();
      const t = await seedTenant(env.DB);
      const res = await send(t);
      const body = (await res.json()) as { code: string; status: number };
      expect(res.headers.get("content-type")).toBe(PROBLEM_CONTENT_TYPE);
      expect(body.code).toBe(code);
      expect(res.status).toBe(statusForCode[code]);
      expect(body.status).toBe(res.status);
      expect(declaredCodes(doc, op, res.status), `${op} ${res.status}`).toContain(body.code);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("sends problem bodies with only the RFC 9457 members and ours", async () => {
    const t = await seedTenant(env.DB);
    const job: Job = await (await call("/v1/jobs", postInit(t.userKey, jobBody()))).json();
    const res = await call(`/v1/jobs/${job.id}/images/0`, getInit(t.userKey));
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["code", "detail", "request_id", "status", "title", "type"]);
  });
});
