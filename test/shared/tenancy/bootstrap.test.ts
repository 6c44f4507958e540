// The bootstrap's SQL, run against the real migrations in an in-memory SQLite (what D1 is): it
// creates one organization, one super_admin user and its organization-wide key (hash only), each
// with an audit record; a second bootstrap inserts nothing; every value is a safe literal.
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { isWellFormedApiKey, sha256Hex } from "../../../shared/auth/keys";
import {
  BootstrapInputError,
  bootstrapCheckSql,
  bootstrapPlan,
  bootstrapVerifySql,
  sqlLiteral,
} from "../../../shared/tenancy/bootstrap";

const MIGRATIONS = resolve(import.meta.dirname, "../../../migrations");

function migratedDb(): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  for (const file of readdirSync(MIGRATIONS)
    .filter((f) => f.endsWith(".sql"))
    .sort())
    db.exec(readFileSync(resolve(MIGRATIONS, file), "utf8"));
  return db;
}

function run(db: DatabaseSync, statements: string[]): void {
  for (const statement of statements) db.exec(statement);
}

const all = (db: DatabaseSync, sql: string) => db.prepare(sql).all() as Record<string, unknown>[];
const one = (db: DatabaseSync, sql: string) => db.prepare(sql).get() as Record<string, unknown>;

const NOW = Date.UTC(2026, 10, 21, 12);

describe("bootstrapPlan", () => {
  it("creates an organization, a super_admin user and its organization-wide key, with audit records", async () => {
    const db = migratedDb();
    expect(one(db, bootstrapCheckSql("root@example.com"))).toEqual({ super_admins: 0, email_taken: 0 });
    const plan = await bootstrapPlan({ email: " Root@Example.com ", name: "Root", now: NOW });
    run(db, plan.statements);

    expect(isWellFormedApiKey(plan.key)).toBe(true);
    expect(all(db, "SELECT id, name, disabled_at, created_at FROM organizations")).toEqual([
      { id: plan.organizationId, name: "Operators", disabled_at: null, created_at: NOW },
    ]);
    expect(all(db, "SELECT id, organization_id, email, name, role, disabled_at FROM users")).toEqual([
      {
        id: plan.userId,
        organization_id: plan.organizationId,
        email: "root@example.com",
        name: "Root",
        role: "super_admin",
        disabled_at: null,
      },
    ]);
    const [key] = all(db, "SELECT * FROM api_keys");
    expect(key).toMatchObject({
      id: plan.keyId,
      organization_id: plan.organizationId,
      instance_id: null,
      project_id: null,
      user_id: plan.userId,
      role: "super_admin",
      key_hash: await sha256Hex(plan.key),
      prefix: plan.key.slice(0, 10),
      revoked_at: null,
      expires_at: null,
    });
    expect(JSON.stringify(all(db, "SELECT * FROM api_keys"))).not.toContain(plan.key);

    const audit = all(db, "SELECT * FROM audit_log ORDER BY rowid");
    expect(audit.map((r) => [r.action, r.resource_id])).toEqual([
      ["organization.create", plan.organizationId],
      ["user.create", plan.userId],
      ["api_key.create", plan.keyId],
    ]);
    for (const record of audit) {
      expect(record).toMatchObject({
        organization_id: plan.organizationId,
        actor_key_id: null,
        actor_user_id: null,
        before: null,
        request_id: plan.requestId,
        created_at: NOW,
      });
    }
    expect(JSON.parse(String(audit[1]?.after))).toMatchObject({
      object: "user",
      email: "root@example.com",
      role: "super_admin",
      status: "active",
    });
    expect(JSON.parse(String(audit[2]?.after))).toMatchObject({
      object: "api_key",
      prefix: plan.key.slice(0, 10),
      role: "super_admin",
      status: "active",
    });
    expect(JSON.stringify(audit)).not.toContain(plan.key);
    expect(JSON.stringify(audit)).not.toContain(await sha256Hex(plan.key));

    expect(one(db, bootstrapCheckSql("ROOT@example.com"))).toEqual({ super_admins: 1, email_taken: 1 });
    expect(one(db, bootstrapVerifySql(plan.keyId))).toEqual({ created: 1 });
  });

  it("inserts nothing once a super_admin exists (a second or racing bootstrap)", async () => {
    const db = migratedDb();
    const first = await bootstrapPlan({ email: "a@example.com", name: "A", now: NOW });
    const second = await bootstrapPlan({ email: "b@example.com", name: "B", now: NOW + 1 });
    run(db, first.statements);
    run(db, second.statements);
    expect(one(db, bootstrapVerifySql(second.keyId))).toEqual({ created: 0 });
    expect(one(db, "SELECT count(*) AS n FROM organizations")).toEqual({ n: 1 });
    expect(one(db, "SELECT count(*) AS n FROM users")).toEqual({ n: 1 });
    expect(one(db, "SELECT count(*) AS n FROM api_keys")).toEqual({ n: 1 });
    expect(one(db, "SELECT count(*) AS n FROM audit_log")).toEqual({ n: 3 });
  });

  it("stores names with quotes and SQL in them verbatim", async () => {
    const db = migratedDb();
    const name = "O'Brien'); DROP TABLE users; --";
    const plan = await bootstrapPlan({
      email: "ob@example.com",
      name,
      organizationName: "Ops 'R' Us",
      now: NOW,
    });
    run(db, plan.statements);
    expect(one(db, "SELECT name FROM users")).toEqual({ name });
    expect(one(db, "SELECT name FROM organizations")).toEqual({ name: "Ops 'R' Us" });
  });

  it.each([
    [{ email: "not-an-email", name: "x" }],
    [{ email: "a b@example.com", name: "x" }],
    [{ email: "a@example.com", name: "  " }],
    [{ email: "a@example.com", name: "x".repeat(201) }],
    [{ email: "a@example.com", name: "x", organizationName: "" }],
    [{ email: "a@example.com", name: "nul\u0000" }],
  ])("refuses %o", async (input) => {
    await expect(bootstrapPlan({ ...input, now: NOW })).rejects.toBeInstanceOf(BootstrapInputError);
  });
});

describe("sqlLiteral", () => {
  it("quotes strings, doubles their quotes, passes numbers and NULL", () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral(42)).toBe("42");
    expect(sqlLiteral(null)).toBe("NULL");
    expect(() => sqlLiteral(Number.NaN)).toThrow();
  });
});
