// Migration 0006 rebuilds webhook_events WITHOUT ROWID and folds webhook_attempts into its
// attempt_log. Run here on SQLite (Node's node:sqlite, as D1 is SQLite) over rows written by the
// schema before it, with foreign keys on as on D1: every event survives with its attempts in
// order, and the rebuild deletes nothing through a cascade.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";

const DIR = join(import.meta.dirname, "../../migrations");
const files = readdirSync(DIR)
  .filter((f) => /^\d{4}_.*\.sql$/.test(f))
  .sort();

function apply(db: DatabaseSync, file: string) {
  for (const statement of readFileSync(join(DIR, file), "utf8").split("--> statement-breakpoint")) {
    if (statement.trim()) db.exec(statement);
  }
}

describe("migration 0006 (webhook attempts on the event row)", () => {
  it("keeps every event and its attempts, in attempt order, and the table is WITHOUT ROWID", () => {
    const db = new DatabaseSync(":memory:");
    db.exec("PRAGMA foreign_keys = ON");
    const before = files.filter((f) => f < "0006");
    const rest = files.filter((f) => f >= "0006");
    for (const file of before) apply(db, file);

    db.exec(`
      INSERT INTO organizations (id, name, created_at) VALUES ('org_1', 'o', 1);
      INSERT INTO instances (id, organization_id, name, created_at) VALUES ('ins_1', 'org_1', 'i', 1);
      INSERT INTO projects (id, instance_id, name, created_at) VALUES ('prj_1', 'ins_1', 'p', 1);
    `);
    const jobColumns = db
      .prepare("SELECT name, \"notnull\" AS required, dflt_value FROM pragma_table_info('jobs')")
      .all() as {
      name: string;
      required: number;
      dflt_value: string | null;
    }[];
    // Every required column without a default gets a plausible value: the test needs rows, not meaning.
    const required = jobColumns.filter((c) => c.required && c.dflt_value === null && c.name !== "id");
    const values = (id: string) =>
      required.map((c) =>
        c.name === "instance_id"
          ? "'ins_1'"
          : c.name === "project_id"
            ? "'prj_1'"
            : c.name === "status"
              ? "'succeeded'"
              : c.name === "input"
                ? "'{}'"
                : c.name.endsWith("_at") || c.name === "version" || c.name === "attempts"
                  ? "1"
                  : `'${id}'`,
      );
    for (const id of ["job_1", "job_2"])
      db.exec(
        `INSERT INTO jobs (id, ${required.map((c) => c.name).join(", ")}) VALUES ('${id}', ${values(id).join(", ")})`,
      );
    db.exec(`
      INSERT INTO webhook_events (id, job_id, instance_id, project_id, type, job_version, url, body, status, attempts, created_at, delivered_at)
        VALUES ('msg_a', 'job_1', 'ins_1', 'prj_1', 'job.succeeded', 3, 'https://h.example/a', '{"a":1}', 'delivered', 2, 10, 12),
               ('msg_b', 'job_2', 'ins_1', 'prj_1', 'job.failed', 4, 'https://h.example/b', '{"b":1}', 'pending', 0, 11, NULL);
      INSERT INTO webhook_attempts (event_id, attempt, job_id, url, status_code, duration_ms, error, next_attempt_at, created_at)
        VALUES ('msg_a', 2, 'job_1', 'https://h.example/a', 200, 7, NULL, NULL, 12),
               ('msg_a', 1, 'job_1', 'https://h.example/a', 503, 9, 'HTTP 503', 11, 10);
    `);

    for (const file of rest) apply(db, file);

    const rows = db
      .prepare("SELECT id, status, attempts, attempt_log, delivered_at FROM webhook_events ORDER BY id")
      .all() as {
      id: string;
      status: string;
      attempts: number;
      attempt_log: string;
      delivered_at: number | null;
    }[];
    expect(rows.map((r) => [r.id, r.status, r.attempts, r.delivered_at])).toEqual([
      ["msg_a", "delivered", 2, 12],
      ["msg_b", "pending", 0, null],
    ]);
    expect(JSON.parse(rows[0]!.attempt_log)).toEqual([
      {
        attempt: 1,
        url: "https://h.example/a",
        statusCode: 503,
        durationMs: 9,
        error: "HTTP 503",
        nextAttemptAt: 11,
        createdAt: 10,
      },
      {
        attempt: 2,
        url: "https://h.example/a",
        statusCode: 200,
        durationMs: 7,
        error: null,
        nextAttemptAt: null,
        createdAt: 12,
      },
    ]);
    expect(JSON.parse(rows[1]!.attempt_log)).toEqual([]);
    const ddl = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'webhook_events'").get() as {
      sql: string;
    };
    expect(ddl.sql).toMatch(/WITHOUT ROWID\s*$/);
    expect(
      db.prepare("SELECT name FROM sqlite_master WHERE name = 'webhook_attempts'").get(),
    ).toBeUndefined();
    expect(db.prepare("PRAGMA foreign_key_check").all()).toEqual([]);
    // Deleting a job still takes its events with it.
    db.exec("DELETE FROM jobs WHERE id = 'job_2'");
    expect(db.prepare("SELECT count(*) AS n FROM webhook_events").get()).toEqual({ n: 1 });
  });
});
