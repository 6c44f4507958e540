// The policy as a literal table: every role x action x resource, written out so a change to
// shared/auth/policy.ts must be made here too, on purpose.
import { describe, expect, it } from "vitest";
import {
  type Action,
  actions,
  can,
  canGrant,
  narrower,
  type Resource,
  resources,
} from "../../../shared/auth/policy";
import { type Role, roles } from "../../../shared/jobs/enums";

// c r u d for each resource, per role ("-" = denied).
const table: Record<Role, Record<Resource, string>> = {
  super_admin: {
    organization: "crud",
    instance: "crud",
    project: "crud",
    user: "crud",
    assignment: "crud",
    api_key: "crud",
    audit_log: "crud",
    instance_settings: "crud",
    job: "crud",
    housekeeping: "crud",
  },
  admin: {
    organization: "-ru-",
    instance: "crud",
    project: "crud",
    user: "crud",
    assignment: "crud",
    api_key: "crud",
    audit_log: "-r--",
    instance_settings: "crud",
    job: "crud",
    housekeeping: "----",
  },
  user: {
    organization: "-r--",
    instance: "-r--",
    project: "cr--",
    user: "-r--",
    assignment: "-r--",
    api_key: "crud",
    audit_log: "----",
    instance_settings: "----",
    job: "crud",
    housekeeping: "----",
  },
};

const letter: Record<Action, string> = { create: "c", read: "r", update: "u", delete: "d" };
const pairs = roles.flatMap((role) =>
  resources.flatMap((resource) => actions.map((action) => [role, action, resource] as const)),
);

describe("policy", () => {
  it("has a row for every role and resource", () => {
    expect(Object.keys(table).sort()).toEqual([...roles].sort());
    for (const role of roles) expect(Object.keys(table[role]).sort()).toEqual([...resources].sort());
    expect(pairs).toHaveLength(3 * 10 * 4);
  });

  it.each(pairs)("%s may %s %s as the table says", (role, action, resource) => {
    expect(can(role, action, resource)).toBe(table[role][resource].includes(letter[action]));
  });

  it("lets a caller grant only roles no higher than its own", () => {
    expect(roles.filter((r) => canGrant("super_admin", r))).toEqual(["super_admin", "admin", "user"]);
    expect(roles.filter((r) => canGrant("admin", r))).toEqual(["admin", "user"]);
    expect(roles.filter((r) => canGrant("user", r))).toEqual(["user"]);
  });

  it("narrows a key's role to its owner's current one", () => {
    expect(narrower("admin", "user")).toBe("user");
    expect(narrower("user", "super_admin")).toBe("user");
    expect(narrower("super_admin", "super_admin")).toBe("super_admin");
  });
});
