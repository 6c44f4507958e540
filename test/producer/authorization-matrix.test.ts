// Issue 14: every role against every route, on the Workers runtime. Each operation of the app's own
// /openapi.json is sent by every kind of caller, with ids of resources the caller reaches (so reach
// is never why it is refused) and a minimal valid body. Expected: 403 exactly when the policy
// (shared/auth/policy.ts `can`), requireInstanceKey or requireOrganizationWideKey refuses; otherwise
// neither 403 nor 5xx (a 400/404/409 of validation or state is fine); no key is 401; every 4xx is
// problem+json.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Action, can, type Resource } from "../../shared/auth/policy";
import type { Role } from "../../shared/jobs/enums";
import { generateMasterKey } from "../../shared/providers/keys/crypto";
import { workflowStateOf } from "../../shared/workflows/object";
import { seedJob, seedJobImage, seedKey, seedUser } from "../support/tenant";
import { call, callWith, expectProblem, jobBody } from "./helpers";
import { seedTenancy, seedUserKey } from "./tenancy-fixtures";

/** Not behind an API key: skipped on purpose (a signed image URL's signature is its credential). */
const PUBLIC = new Set(["GET /health", "GET /openapi.json", "GET /docs", "GET /signed/jobs/{id}/images/{n}"]);

interface Seeded {
  keys: Record<Exclude<CallerKind, "noKey">, string>;
  organizationId: string;
  instanceId: string;
  projectId: string;
  /** Another user of the organization (role user, assigned to the instance): the target of /users routes. */
  userId: string;
  /** A key of the tenancy's user (so the user's own key reaches it too). */
  apiKeyId: string;
  providerKeyId: string;
  /** A workflow whose one job has ended: its stream sends one version and ends. */
  workflowId: string;
  jobId: string;
}

interface Row {
  /** Every resource whose `authorize(resource)` the path passes (nested paths pass several). */
  resources: Resource[];
  /**
   * "instance": behind requireInstanceKey (middleware: the key is narrowed to an instance its owner
   * may use). "organization": the handler calls requireOrganizationWideKey (shared/tenancy: the key
   * names no instance), a rule outside the policy module and the middleware.
   */
  scope: Scope;
  /** A minimal valid body (routes that take one and have no row body get `{}`). */
  body?: Body;
}
type Scope = "any" | "instance" | "organization";
type Body = (s: Seeded) => unknown;
const row = (resources: Resource[], scope: Scope = "any", body?: Body): Row => ({ resources, scope, body });
const I = "instance";
const ORG = "organization";
const SETTINGS: Resource[] = ["instance_settings"];

/** How producer/src/index.ts guards each route. A route without a row fails the coverage test. */
const ROUTES: Record<string, Row> = {
  "GET /v1/me": row([]),
  "POST /v1/jobs": row(["job"], I, (s) => jobBody({ project_id: s.projectId })),
  "GET /v1/jobs": row(["job"], I),
  "GET /v1/jobs/{id}": row(["job"], I),
  "GET /v1/jobs/{id}/events": row(["job"], I),
  "GET /v1/jobs/{id}/stream": row(["job"], I),
  "GET /v1/jobs/{id}/images/{n}": row(["job"], I),
  "GET /v1/jobs/{id}/output": row(["job"], I),
  "POST /v1/jobs/{id}/cancel": row(["job"], I),
  "DELETE /v1/jobs/{id}": row(["job"], I),
  "GET /v1/jobs/{id}/webhooks": row(["job"], I),
  "POST /v1/jobs/{id}/webhooks/redeliver": row(["job"], I),
  "POST /v1/workflows": row(["job"], I, (s) => ({ name: "matrix", project_id: s.projectId })),
  "GET /v1/workflows/{id}": row(["job"], I),
  "GET /v1/workflows/{id}/history": row(["job"], I),
  "GET /v1/workflows/{id}/stream": row(["job"], I),
  "POST /v1/workflows/{id}/jobs": row(["job"], I, (s) => ({ jobs: [jobBody({ project_id: s.projectId })] })),
  "POST /v1/workflows/{id}/snapshots": row(["job"], I),
  "GET /v1/workflows/{id}/snapshots/{snapshot_id}": row(["job"], I),
  "POST /v1/workflows/{id}/rerun": row(["job"], I),
  "GET /v1/admin/dead-letters": row(SETTINGS, I),
  "POST /v1/admin/dead-letters/replay": row(SETTINGS, I, () => ({ filter: {}, dry_run: true })),
  "GET /v1/admin/projects/{id}/webhook": row([...SETTINGS, "project"], I),
  "PUT /v1/admin/projects/{id}/webhook": row([...SETTINGS, "project"], I, () => ({ url: null })),
  "POST /v1/admin/projects/{id}/webhook/rotate-secret": row([...SETTINGS, "project"], I),
  "GET /v1/admin/provider-keys": row(SETTINGS, I),
  "POST /v1/admin/provider-keys": row(SETTINGS, I, () => ({
    provider: "ideogram",
    api_key: "ideo_test_x9Qa",
  })),
  "POST /v1/admin/provider-keys/{id}/make-primary": row(SETTINGS, I),
  "DELETE /v1/admin/provider-keys/{id}": row(SETTINGS, I),
  "GET /v1/admin/provider-limits": row(SETTINGS, I),
  "PUT /v1/admin/provider-limits/{provider}": row(SETTINGS, I, () => ({
    rate_per_second: 1,
    burst: 1,
    max_in_flight: 1,
  })),
  "DELETE /v1/admin/provider-limits/{provider}": row(SETTINGS, I),
  "GET /v1/admin/provider-prices": row(SETTINGS, I),
  "PUT /v1/admin/provider-prices/{provider}": row(SETTINGS, I, () => ({ per_image_usd: 0.02 })),
  "DELETE /v1/admin/provider-prices/{provider}": row(SETTINGS, I),
  "GET /v1/admin/fallback-providers": row(SETTINGS, I),
  "PUT /v1/admin/fallback-providers": row(SETTINGS, I, () => ({ fallback_providers: ["openai"] })),
  "GET /v1/admin/budget": row(SETTINGS, I),
  "PUT /v1/admin/budget": row(SETTINGS, I, () => ({ monthly_limit_usd: 100 })),
  "GET /v1/admin/ai-gateway": row(SETTINGS, I),
  "PUT /v1/admin/ai-gateway": row(SETTINGS, I, () => ({
    account_id: "0123456789abcdef0123456789abcdef",
    gateway_id: "images",
    providers: ["openai"],
  })),
  "DELETE /v1/admin/ai-gateway": row(SETTINGS, I),
  // Names its instance in the query (none sent here: allowed callers get a 400), so any key scope.
  "GET /v1/admin/metrics": row(SETTINGS),
  "POST /v1/admin/housekeeping": row(["housekeeping"]),
  "GET /v1/admin/organizations": row(["organization"]),
  "POST /v1/admin/organizations": row(["organization"], ORG, () => ({ name: "matrix org" })),
  "GET /v1/admin/organizations/{id}": row(["organization"]),
  "PATCH /v1/admin/organizations/{id}": row(["organization"], ORG, () => ({ name: "renamed" })),
  "GET /v1/admin/instances": row(["instance"]),
  "POST /v1/admin/instances": row(["instance"], ORG, () => ({ name: "matrix instance" })),
  "GET /v1/admin/instances/{id}": row(["instance"]),
  "PATCH /v1/admin/instances/{id}": row(["instance"], "any", () => ({ name: "renamed" })),
  "DELETE /v1/admin/instances/{id}": row(["instance"]),
  "GET /v1/admin/projects": row(["project"]),
  "POST /v1/admin/projects": row(["project"], "any", (s) => ({ name: "matrix", instance_id: s.instanceId })),
  "GET /v1/admin/projects/{id}": row(["project"]),
  "PATCH /v1/admin/projects/{id}": row(["project"], "any", () => ({ name: "renamed" })),
  "DELETE /v1/admin/projects/{id}": row(["project"]),
  "GET /v1/admin/users": row(["user"]),
  "POST /v1/admin/users": row(["user"], "any", (s) => ({
    email: `new-${s.userId}@example.test`,
    name: "matrix user",
    role: "user",
  })),
  "GET /v1/admin/users/{id}": row(["user"]),
  "PATCH /v1/admin/users/{id}": row(["user"], "any", () => ({ name: "renamed" })),
  "DELETE /v1/admin/users/{id}": row(["user"]),
  "GET /v1/admin/users/{id}/instances": row(["user", "assignment"]),
  "PUT /v1/admin/users/{id}/instances/{instance_id}": row(["user", "assignment"]),
  "DELETE /v1/admin/users/{id}/instances/{instance_id}": row(["user", "assignment"]),
  "GET /v1/admin/api-keys": row(["api_key"]),
  "POST /v1/admin/api-keys": row(["api_key"], "any", (s) => ({ name: "matrix", instance_id: s.instanceId })),
  "DELETE /v1/admin/api-keys/{id}": row(["api_key"]),
  "POST /v1/admin/api-keys/{id}/rotate": row(["api_key"]),
  "GET /v1/admin/audit-log": row(["audit_log"]),
};

interface Caller {
  /** The key's role; null: no key at all. */
  role: Role | null;
  /** The instance the key is narrowed to: none (organization-wide), or one its owner may / may no longer use. */
  instance: "none" | "assigned" | "unassigned";
  says: string;
}
const CALLERS = {
  superAdmin: { role: "super_admin", instance: "none", says: "organization-wide super_admin key" },
  orgAdmin: { role: "admin", instance: "none", says: "organization-wide admin key" },
  instanceAdmin: { role: "admin", instance: "assigned", says: "admin key narrowed to an instance" },
  userKey: { role: "user", instance: "assigned", says: "user's key narrowed to its assigned instance" },
  serviceKey: { role: "user", instance: "assigned", says: "project-bound service key" },
  unassignedUserKey: { role: "user", instance: "unassigned", says: "unassigned user's instance key" },
  noKey: { role: null, instance: "none", says: "no key" },
} satisfies Record<string, Caller>;
type CallerKind = keyof typeof CALLERS;

/** authorize()'s documented convention: GET read, POST create, DELETE delete, PUT and PATCH update. */
const actionOf: Record<string, Action> = { GET: "read", POST: "create", DELETE: "delete" };

function expected(r: Row, method: string, kind: CallerKind): 401 | 403 | "allowed" {
  const { role, instance }: Caller = CALLERS[kind];
  if (role === null) return 401;
  if (r.scope === "instance" && instance !== "assigned") return 403;
  if (r.scope === "organization" && instance !== "none") return 403;
  const action = actionOf[method] ?? "update";
  return r.resources.every((resource) => can(role, action, resource)) ? "allowed" : 403;
}

/** A fresh tenant with a key of every kind and one resource of each type the routes take. */
async function seed(): Promise<Seeded> {
  const t = await seedTenancy();
  const unassigned = await seedUserKey(t, "user", []);
  const { userId } = await seedUser(env.DB, {
    organizationId: t.organizationId,
    role: "user",
    instanceIds: [t.instanceId],
  });
  const ownersKey = await seedKey(env.DB, {
    instanceId: t.instanceId,
    projectId: null,
    userId: t.userIds.user,
  });
  const providerKeyId = `pk_matrix_${crypto.randomUUID().slice(0, 8)}`;
  await env.DB.prepare(
    "INSERT INTO provider_keys (id, instance_id, provider, ciphertext, last4, is_primary, created_at) VALUES (?, ?, 'ideogram', 'AAAA', 'x9Qa', 0, ?)",
  )
    .bind(providerKeyId, t.instanceId, Date.now())
    .run();
  const job = await seedJob(env.DB, t, { status: "succeeded" });
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
  await seedJobImage(env, job.id, { index: 0, bytes: png, contentType: "image/png" });
  return {
    keys: { ...t.keys, unassignedUserKey: unassigned.key },
    organizationId: t.organizationId,
    instanceId: t.instanceId,
    projectId: t.projectId!,
    userId,
    apiKeyId: ownersKey.id,
    providerKeyId,
    workflowId: await seedDoneWorkflow(t, job.id),
    jobId: job.id,
  };
}

/** A workflow holding the seeded (succeeded) job, opened in its object: it is done at version 1. */
async function seedDoneWorkflow(t: { instanceId: string; projectId: string | null }, jobId: string) {
  const id = `wf_matrix_${crypto.randomUUID().slice(0, 8)}`;
  await env.DB.prepare(
    "INSERT INTO workflows (id, instance_id, project_id, api_key_id, name, request_id, created_at) VALUES (?, ?, ?, 'key_matrix', 'matrix', 'req_matrix', ?)",
  )
    .bind(id, t.instanceId, t.projectId, Date.now())
    .run();
  await env.DB.prepare("UPDATE jobs SET workflow_id = ? WHERE id = ?").bind(id, jobId).run();
  const meta = {
    workflowId: id,
    instanceId: t.instanceId,
    projectId: t.projectId!,
    name: "matrix",
    metadata: null,
    webhookUrl: null,
  };
  await workflowStateOf(env.WORKFLOW_STATE, id).open(
    meta,
    [{ jobId, status: "succeeded", version: 1 }],
    null,
  );
  return id;
}

/** The path with its parameters filled with the seeded ids; an unknown parameter fails the test. */
function fillPath(path: string, s: Seeded): string {
  const idOf: Record<string, string> = {
    organizations: s.organizationId,
    instances: s.instanceId,
    projects: s.projectId,
    users: s.userId,
    "api-keys": s.apiKeyId,
    "provider-keys": s.providerKeyId,
    jobs: s.jobId,
    workflows: s.workflowId,
  };
  const other: Record<string, string> = {
    instance_id: s.instanceId,
    provider: "ideogram",
    n: "0",
    snapshot_id: "wfs_matrix_none",
  };
  return path.replace(/\/([\w-]+)\/\{(\w+)\}/g, (_, segment: string, param: string) => {
    const value = param === "id" ? idOf[segment] : other[param];
    if (value === undefined) throw new Error(`no seeded value for {${param}} in ${path}`);
    return `/${segment}/${value}`;
  });
}

interface Operation {
  route: string;
  method: string;
  path: string;
  takesBody: boolean;
}

/** The app's own document, read once at collection so each (route, caller) is its own test. */
async function documentedOperations(): Promise<Operation[]> {
  const res = await call("/openapi.json");
  if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
  const doc = (await res.json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([m, op]) => {
      const method = m.toUpperCase();
      return { route: `${method} ${path}`, method, path, takesBody: op.requestBody !== undefined };
    }),
  );
}
const operations = (await documentedOperations()).filter((op) => !PUBLIC.has(op.route));

// The provider-key routes need the deployment's master key secret (else 503): the same app, that secret set.
const BINDINGS = { PROVIDER_KEYS_MASTER_KEY: generateMasterKey() } as Partial<ProducerEnv>;

describe("authorization matrix: every route of /openapi.json x every kind of caller", () => {
  it("has a row for every route in /openapi.json, and no row for a route that is gone", () => {
    expect(operations.map((op) => op.route).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  for (const op of operations) {
    const r = ROUTES[op.route];
    describe(op.route, () => {
      for (const kind of Object.keys(CALLERS) as CallerKind[]) {
        const want = r ? expected(r, op.method, kind) : "allowed";
        const outcome = want === "allowed" ? "is let through (never 403, never 5xx)" : `is refused ${want}`;
        it(`${CALLERS[kind].says}: ${outcome}`, async () => {
          expect(r, `no row in ROUTES for ${op.route}`).toBeDefined();
          const s = await seed();
          const headers: Record<string, string> = {};
          if (kind !== "noKey") headers.authorization = `Bearer ${s.keys[kind]}`;
          let body: string | undefined;
          if (op.takesBody) {
            headers["content-type"] = "application/json";
            body = JSON.stringify(r?.body?.(s) ?? {});
          }
          const res = await callWith(BINDINGS, fillPath(op.path, s), {
            method: op.method,
            headers,
            body,
          });
          if (want === 401) await expectProblem(res, 401, "unauthorized");
          else if (want === 403) await expectProblem(res, 403, "forbidden");
          else {
            const text = await res.text();
            expect(res.status, text).not.toBe(403);
            expect(res.status, text).not.toBe(401);
            expect(res.status, text).toBeLessThan(500);
            if (res.status >= 400) expect(res.headers.get("content-type")).toBe("application/problem+json");
          }
        });
      }
    });
  }
});
