// The pure rules of API keys: a key's status at a time, who may create which key, who may manage
// which key, and what a rotation writes. The D1 side is tested in test/producer/admin.api-keys.test.ts.
import { describe, expect, it } from "vitest";
import type { Role } from "../../../shared/jobs/enums";
import {
  type ApiKeyRow,
  apiKeyStatus,
  apiKeyView,
  decideKeyGrant,
  type KeyGrantInput,
  type KeyOwner,
  mayManageKey,
  rotationFields,
  userInReach,
} from "../../../shared/tenancy/api-keys";

const NOW = 1_800_000_000_000;

describe("apiKeyStatus", () => {
  it.each([
    { revokedAt: null, expiresAt: null, status: "active" },
    { revokedAt: null, expiresAt: NOW + 1, status: "active" },
    { revokedAt: null, expiresAt: NOW, status: "expired" },
    { revokedAt: null, expiresAt: NOW - 1, status: "expired" },
    { revokedAt: NOW - 5, expiresAt: null, status: "revoked" },
    { revokedAt: NOW - 5, expiresAt: NOW - 1, status: "revoked" },
    { revokedAt: NOW - 5, expiresAt: NOW + 1, status: "revoked" },
  ] as const)(
    "revoked_at $revokedAt, expires_at $expiresAt -> $status",
    ({ revokedAt, expiresAt, status }) => {
      expect(apiKeyStatus({ revokedAt, expiresAt }, NOW)).toBe(status);
    },
  );
});

const row: ApiKeyRow = {
  id: "key_a",
  organizationId: "org_a",
  instanceId: "ins_a",
  projectId: null,
  userId: "usr_a",
  role: "user",
  name: "ci",
  keyHash: "hash-now",
  prefix: "gq_abcdefg",
  previousKeyHash: "hash-before",
  previousExpiresAt: NOW + 1000,
  expiresAt: null,
  createdAt: NOW - 1000,
  revokedAt: null,
  lastUsedAt: null,
};

describe("apiKeyView", () => {
  it("shows neither hash, and times as ISO strings", () => {
    const view = apiKeyView(row, NOW);
    expect(JSON.stringify(view)).not.toContain("hash-");
    expect(view).toMatchObject({
      id: "key_a",
      object: "api_key",
      status: "active",
      created_at: new Date(NOW - 1000).toISOString(),
      previous_expires_at: new Date(NOW + 1000).toISOString(),
      expires_at: null,
    });
  });
});

describe("rotationFields", () => {
  it("keeps the current hash as the previous one for the grace period", () => {
    expect(rotationFields(row, { keyHash: "hash-new", prefix: "gq_new0000" }, 60, NOW)).toEqual({
      keyHash: "hash-new",
      prefix: "gq_new0000",
      previousKeyHash: "hash-now",
      previousExpiresAt: NOW + 60_000,
    });
  });

  it("with grace 0 ends the previous secret now (valid only while previous_expires_at > now)", () => {
    expect(rotationFields(row, { keyHash: "h", prefix: "p" }, 0, NOW).previousExpiresAt).toBe(NOW);
  });
});

// --- decideKeyGrant: one row per rule, allowed and denied ---------------------------------------

const inst = { id: "ins_a", organizationId: "org_a" };
const otherOrgInst = { id: "ins_x", organizationId: "org_x" };
const orgWide = { instanceId: null, projectId: null };
const caller = (role: Role, extra: Partial<KeyGrantInput["caller"]> = {}): KeyGrantInput["caller"] => ({
  role,
  userId: `usr_${role}`,
  ...orgWide,
  ...extra,
});
const user = (role: Role, extra: Partial<Extract<KeyOwner, { kind: "user" }>> = {}): KeyOwner => ({
  kind: "user",
  id: `usr_${role}`,
  role,
  organizationId: "org_a",
  assigned: false,
  ...extra,
});
const service: KeyOwner = { kind: "project" };

type Expected = Role | "forbidden" | "validation_failed";
const grantTable: [string, KeyGrantInput, Expected][] = [
  // Role = the owner's role; a service key is a user key.
  [
    "super_admin: org-wide key for itself",
    { caller: caller("super_admin"), owner: user("super_admin"), instance: null, projectId: null },
    "super_admin",
  ],
  [
    "super_admin: admin key of another organization's instance",
    {
      caller: caller("super_admin"),
      owner: user("admin", { organizationId: "org_x" }),
      instance: otherOrgInst,
      projectId: null,
    },
    "admin",
  ],
  [
    "super_admin: admin owner of another organization than the instance",
    { caller: caller("super_admin"), owner: user("admin"), instance: otherOrgInst, projectId: null },
    "forbidden",
  ],
  [
    "admin: org-wide key for itself",
    { caller: caller("admin"), owner: user("admin"), instance: null, projectId: null },
    "admin",
  ],
  [
    "admin: instance key for itself",
    { caller: caller("admin"), owner: user("admin"), instance: inst, projectId: null },
    "admin",
  ],
  [
    "admin: key for a super_admin (a higher role)",
    { caller: caller("admin"), owner: user("super_admin"), instance: null, projectId: null },
    "forbidden",
  ],
  [
    "admin: key for an assigned user",
    { caller: caller("admin"), owner: user("user", { assigned: true }), instance: inst, projectId: null },
    "user",
  ],
  [
    "admin: key for an unassigned user",
    { caller: caller("admin"), owner: user("user"), instance: inst, projectId: null },
    "forbidden",
  ],
  [
    "admin: org-wide key for a user",
    { caller: caller("admin"), owner: user("user", { assigned: true }), instance: null, projectId: null },
    "validation_failed",
  ],
  [
    "admin: project service key",
    { caller: caller("admin"), owner: service, instance: inst, projectId: "prj_a" },
    "user",
  ],
  [
    "user: key for itself in its instance",
    {
      caller: caller("user", { instanceId: "ins_a" }),
      owner: user("user", { assigned: true }),
      instance: inst,
      projectId: null,
    },
    "user",
  ],
  [
    "user: service key",
    { caller: caller("user", { instanceId: "ins_a" }), owner: service, instance: inst, projectId: "prj_a" },
    "forbidden",
  ],
  [
    "user: key for an admin",
    {
      caller: caller("user", { instanceId: "ins_a" }),
      owner: user("admin"),
      instance: inst,
      projectId: null,
    },
    "forbidden",
  ],
  [
    "service key: another service key of its project",
    {
      caller: caller("user", { userId: null, instanceId: "ins_a", projectId: "prj_a" }),
      owner: service,
      instance: inst,
      projectId: "prj_a",
    },
    "user",
  ],
  [
    "service key: a key for another project",
    {
      caller: caller("user", { userId: null, instanceId: "ins_a", projectId: "prj_a" }),
      owner: service,
      instance: inst,
      projectId: "prj_b",
    },
    "forbidden",
  ],
  // A narrowed key creates no wider key.
  [
    "instance admin key: org-wide key",
    {
      caller: caller("admin", { instanceId: "ins_a" }),
      owner: user("admin"),
      instance: null,
      projectId: null,
    },
    "forbidden",
  ],
  [
    "instance admin key: key of its instance",
    {
      caller: caller("admin", { instanceId: "ins_a" }),
      owner: user("admin"),
      instance: inst,
      projectId: null,
    },
    "admin",
  ],
  [
    "project-bound key: key without the project",
    {
      caller: caller("user", { instanceId: "ins_a", projectId: "prj_a" }),
      owner: user("user", { assigned: true }),
      instance: inst,
      projectId: null,
    },
    "forbidden",
  ],
];

describe("decideKeyGrant", () => {
  it.each(grantTable)("%s -> %s", (_, input, expected) => {
    const grant = decideKeyGrant(input);
    if (grant.ok) expect(grant.role).toBe(expected);
    else {
      expect(grant.code).toBe(expected);
      expect(grant.detail.length).toBeGreaterThan(10);
    }
  });

  it("names the assignment to make when a user owner is not assigned", () => {
    const grant = decideKeyGrant({
      caller: caller("admin"),
      owner: user("user"),
      instance: inst,
      projectId: null,
    });
    expect(grant).toMatchObject({ ok: false, code: "forbidden" });
    expect(!grant.ok && grant.detail).toContain("PUT /v1/admin/users/usr_user/instances/ins_a");
  });
});

describe("userInReach", () => {
  const target = (organizationId: string, id = "usr_t") =>
    ({ id, organizationId, email: "", name: "", role: "user", disabledAt: null, createdAt: 0 }) as const;
  it.each([
    ["super_admin", "org_x", "usr_t", true],
    ["admin", "org_a", "usr_t", true],
    ["admin", "org_x", "usr_t", false],
    ["user", "org_a", "usr_t", false],
    ["user", "org_a", "usr_user", true],
  ] as const)("%s caller, user of %s (%s) -> %s", (role, org, id, expected) => {
    expect(userInReach({ role, userId: `usr_${role}`, organizationId: "org_a" }, target(org, id))).toBe(
      expected,
    );
  });

  it("a service key (no user) reaches no user", () => {
    expect(userInReach({ role: "user", userId: null, organizationId: "org_a" }, target("org_a"))).toBe(false);
  });
});

describe("mayManageKey", () => {
  it.each([
    ["admin", "usr_other", "super_admin", false],
    ["admin", "usr_other", "admin", true],
    ["admin", "usr_other", "user", true],
    ["user", "usr_user", "admin", true], // its own key (made before a demotion): revoke or rotate it
    ["user", "usr_other", "user", true], // reach (keyScope) keeps others' keys from a user anyway
    ["super_admin", "usr_other", "super_admin", true],
  ] as const)("%s caller, key of %s with role %s -> %s", (role, userId, keyRole, expected) => {
    expect(
      mayManageKey(
        { role, userId: `usr_${role}`, keyId: "key_caller" },
        { id: "key_t", userId, role: keyRole },
      ),
    ).toBe(expected);
  });

  it("a service key may manage itself", () => {
    expect(
      mayManageKey(
        { role: "user", userId: null, keyId: "key_s" },
        { id: "key_s", userId: null, role: "user" },
      ),
    ).toBe(true);
  });
});
