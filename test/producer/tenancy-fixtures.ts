// Shared by the projects / users / assignments tests: one tenant with a key of every kind of caller,
// a request helper, and the audit records a request wrote.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Role } from "../../shared/jobs/enums";
import {
  authHeaders,
  type SeededTenant,
  seedKey,
  seedOrgKey,
  seedSuperAdmin,
  seedTenant,
  seedUser,
} from "../support/tenant";
import { call, rows } from "./helpers";

/** Every kind of caller, named as the tests say them. */
export type CallerKind = "superAdmin" | "orgAdmin" | "instanceAdmin" | "serviceKey" | "userKey";

export interface Tenancy extends SeededTenant {
  keys: Record<CallerKind, string>;
  /** The users behind the user-owned keys (the service and instance admin keys have none). */
  userIds: { superAdmin: string; orgAdmin: string; user: string };
}

/**
 * A tenant and one key of each kind: a super admin (organization of its own), an organization-wide
 * admin, the tenant's instance-wide admin key, its project service key (role user, no user), and a
 * user-owned key of a user assigned to the tenant's instance.
 */
export async function seedTenancy(): Promise<Tenancy> {
  const t = await seedTenant(env.DB);
  const superAdmin = await seedSuperAdmin(env.DB);
  const orgAdmin = await seedOrgKey(env.DB, { organizationId: t.organizationId, role: "admin" });
  const user = await seedUserKey(t, "user", [t.instanceId]);
  return {
    ...t,
    keys: {
      superAdmin: superAdmin.key,
      orgAdmin: orgAdmin.key,
      instanceAdmin: t.adminKey,
      serviceKey: t.userKey,
      userKey: user.key,
    },
    userIds: { superAdmin: superAdmin.userId, orgAdmin: orgAdmin.userId, user: user.userId },
  };
}

/** A user of the tenant's organization (assigned to `instanceIds`) and a key of it narrowed to the tenant's instance. */
export async function seedUserKey(
  t: Pick<SeededTenant, "organizationId" | "instanceId">,
  role: Role,
  instanceIds: string[],
): Promise<{ key: string; keyId: string; userId: string }> {
  const { userId } = await seedUser(env.DB, { organizationId: t.organizationId, role, instanceIds });
  const { key, id } = await seedKey(env.DB, {
    instanceId: t.instanceId,
    projectId: null,
    role,
    userId,
  });
  return { key, keyId: id, userId };
}

/** A request with the key; a body is sent as JSON (a string as is). */
export function send(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = authHeaders(key);
  if (body !== undefined) headers["content-type"] = "application/json";
  return call(path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Asserts the status and returns the JSON body. */
export async function ok<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

export interface AuditRow {
  organization_id: string | null;
  actor_key_id: string | null;
  actor_user_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  request_id: string;
}

/** The audit records of one resource, oldest first, with before/after parsed. */
export async function auditOf(resourceId: string): Promise<AuditRow[]> {
  const found = await rows<
    Omit<AuditRow, "before" | "after"> & { before: string | null; after: string | null }
  >(
    "SELECT organization_id, actor_key_id, actor_user_id, action, resource_type, resource_id, before, after, request_id FROM audit_log WHERE resource_id = ? ORDER BY created_at, rowid",
    resourceId,
  );
  return found.map((r) => ({
    ...r,
    before: r.before === null ? null : JSON.parse(r.before),
    after: r.after === null ? null : JSON.parse(r.after),
  }));
}
