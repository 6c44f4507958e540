// Every authorization decision: role x action x resource -> allowed. Pure and table-driven, so the
// whole policy reads (and is tested) as one table. It answers "may this role ever do this?";
// *which* rows a caller reaches is the queries' job: a super_admin reaches every organization, an
// admin its own organization, a user the instances it is assigned to and the keys it owns. A row
// outside that reach is answered 404, never 403, so ids of other tenants are not confirmed.
import type { Role } from "../jobs/enums";

export const resources = [
  "organization",
  "instance",
  "project",
  "user",
  "assignment",
  "api_key",
  "audit_log",
  /** Provider keys, pacing limits, fallback chain, project webhooks, dead letters of an instance. */
  "instance_settings",
  "job",
  /** The consumer's housekeeping (POST /v1/admin/housekeeping): it spans every organization. */
  "housekeeping",
] as const;
export type Resource = (typeof resources)[number];

export const actions = ["create", "read", "update", "delete"] as const;
export type Action = (typeof actions)[number];

type Grants = Partial<Record<Resource, readonly Action[]>>;
const ALL = actions;

const grants: Record<Role, Grants> = {
  super_admin: Object.fromEntries(resources.map((r) => [r, ALL])) as Grants,
  admin: {
    organization: ["read", "update"],
    instance: ALL,
    project: ALL,
    user: ALL,
    assignment: ALL,
    api_key: ALL,
    audit_log: ["read"],
    instance_settings: ALL,
    job: ALL,
  },
  user: {
    organization: ["read"],
    instance: ["read"],
    project: ["create", "read"],
    user: ["read"],
    assignment: ["read"],
    api_key: ALL,
    job: ALL,
  },
};

export function can(role: Role, action: Action, resource: Resource): boolean {
  return grants[role][resource]?.includes(action) ?? false;
}

const rank: Record<Role, number> = { super_admin: 0, admin: 1, user: 2 };

/** A caller may give a user (or a key) a role no higher than its own. */
export function canGrant(callerRole: Role, role: Role): boolean {
  return rank[role] >= rank[callerRole];
}

/** The narrower of two roles: a key keeps the role it was made with unless its owner's is lower now. */
export function narrower(a: Role, b: Role): Role {
  return rank[a] >= rank[b] ? a : b;
}
