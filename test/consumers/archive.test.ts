// The cron's archive step (runHousekeeping and archiveDueJobs, with `now` injected): an ended job
// past its instance's archive_after_days moves to R2 with its webhook events and dead letters and
// leaves a tombstone; not a day before; a second run finds nothing; a run is bounded (jobs, time); a job that
// changes mid-run stays live and its line is voided; an R2 failure changes nothing in D1. Every
// test archives what it made due, so one test's counts do not leak into the next.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { runHousekeeping } from "../../consumers/src/housekeeping";
import { getJob, type JobRow } from "../../shared/db/queries/jobs";
import { newId } from "../../shared/ids";
import { ARCHIVE_JOBS_PER_OBJECT, archiveDueJobs } from "../../shared/jobs/archive";
import { type ArchivedJobLine, gunzipText, readArchivedLine } from "../../shared/jobs/archive-format";
import { type SeededTenant, seedJob, seedTenant } from "../support/tenant";
import { spyEnv, testDb } from "./helpers";

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-03T12:00:00Z");

async function tenantArchivingAfter(days?: number): Promise<SeededTenant> {
  const t = await seedTenant(env.DB);
  if (days !== undefined) {
    await env.DB.prepare("UPDATE instances SET archive_after_days = ? WHERE id = ?")
      .bind(days, t.instanceId)
      .run();
  }
  return t;
}

/** An ended job `ageDays` old with metadata, a webhook URL, a delivered webhook event and a dead letter. */
async function endedJob(t: SeededTenant, ageDays: number, status: JobRow["status"] = "dead_lettered") {
  const at = NOW - ageDays * DAY;
  const job = await seedJob(env.DB, t, {
    status,
    createdAt: at,
    overrides: {
      metadata: { order: "A-1" },
      webhookUrl: "https://hooks.example.com/x",
      errorMessage: "boom",
    },
  });
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO webhook_events (id, job_id, instance_id, project_id, type, job_version, url, body, status, attempts, created_at, delivered_at)
       VALUES (?, ?, ?, ?, 'job.failed', 1, 'https://hooks.example.com/x', '{"a":1}', 'delivered', 1, ?, ?)`,
    ).bind(newId("msg"), job.id, t.instanceId, job.projectId, at, at),
    env.DB.prepare(
      `INSERT INTO dead_letters (id, job_id, instance_id, project_id, error_code, error_message, attempts, message, created_at)
       VALUES (?, ?, ?, ?, 'provider_error', 'boom', 3, '{}', ?)`,
    ).bind(newId("dl"), job.id, t.instanceId, job.projectId, at),
  ]);
  return job;
}

const countOf = async (table: "webhook_events" | "dead_letters", jobId: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE job_id = ?`)
    .bind(jobId)
    .first<{ n: number }>())!.n;

/**
 * The lines of an archive object, one gzip member per range. (workerd's DecompressionStream stops
 * after the first member; gzip and zcat read the whole file: test/shared/jobs/archive-format.test.ts.)
 */
async function objectLines(key: string, ranges: { offset: number; length: number }[]): Promise<unknown[]> {
  const object = await env.IMAGES.get(key);
  expect(object, `archive object ${key}`).not.toBeNull();
  const bytes = new Uint8Array(await object!.arrayBuffer());
  expect(ranges.reduce((sum, r) => sum + r.length, 0)).toBe(bytes.length);
  const texts = await Promise.all(
    ranges.map((r) => gunzipText(bytes.subarray(r.offset, r.offset + r.length))),
  );
  return texts.map((text) => JSON.parse(text));
}

describe("the archive step of runHousekeeping", () => {
  it("moves an ended job to R2 once it is past archive_after_days (default 30), not a day before", async () => {
    const t = await tenantArchivingAfter();
    const job = await endedJob(t, 29.5);

    const logged = vi.spyOn(console, "log");
    const archiveLines = () =>
      logged.mock.calls.map(([line]) => JSON.parse(String(line))).filter((l) => l.msg === "archive ran");
    const early = await runHousekeeping(spyEnv().env, NOW);
    expect(early).toMatchObject({ archive_jobs: 0, archive_objects: 0, archive_failed: 0 });
    expect(await getJob(testDb, job.id)).toEqual(job);
    expect(archiveLines()).toEqual([]);

    const later = NOW + DAY;
    const report = await runHousekeeping(spyEnv().env, later);
    // One structured line with the run's counts and sizes.
    const lines = archiveLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      msg: "archive ran",
      jobs: 1,
      objects: 1,
      bytes: report.archive_bytes,
      rawBytes: report.archive_raw_bytes,
      webhookEvents: 1,
      deadLetters: 1,
      skipped: 0,
      failed: 0,
    });
    logged.mockRestore();
    expect(report).toMatchObject({
      archive_jobs: 1,
      archive_objects: 1,
      archive_webhook_events: 1,
      archive_dead_letters: 1,
      archive_skipped: 0,
      archive_failed: 0,
    });
    expect(report.archive_bytes).toBeGreaterThan(0);
    expect(report.archive_raw_bytes).toBeGreaterThan(report.archive_bytes);

    // The tombstone: ids, status, provider, times; no input, history, metadata or webhook URL.
    const tomb = (await getJob(testDb, job.id))!;
    expect(tomb).toMatchObject({
      id: job.id,
      instanceId: t.instanceId,
      projectId: job.projectId,
      status: "dead_lettered",
      type: "image.generate",
      provider: "demo",
      createdAt: job.createdAt,
      completedAt: job.completedAt,
      input: {},
      events: [],
      metadata: null,
      webhookUrl: null,
      errorMessage: null,
      archivedAt: later,
      archiveKey: expect.stringMatching(
        new RegExp(`^${t.instanceId}/archive/2026-12-04/[0-9a-z]+\\.jsonl\\.gz$`),
      ),
    });
    expect(await countOf("webhook_events", job.id)).toBe(0);
    expect(await countOf("dead_letters", job.id)).toBe(0);

    // The object is plain gzip JSON lines; the tombstone's range alone gives the same line back.
    const [line] = (await objectLines(tomb.archiveKey!, [
      { offset: 0, length: tomb.archiveLength! },
    ])) as ArchivedJobLine[];
    expect(line).toMatchObject({
      v: 1,
      job,
      webhook_events: [{ jobId: job.id }],
      dead_letters: [{ jobId: job.id }],
    });
    const ref = { key: tomb.archiveKey!, offset: tomb.archiveOffset!, length: tomb.archiveLength! };
    expect(await readArchivedLine(env.IMAGES, ref, job.id)).toEqual(line);

    // A second run finds nothing left to do, and changes nothing.
    expect(await runHousekeeping(spyEnv().env, later)).toMatchObject({ archive_jobs: 0, archive_objects: 0 });
    expect(await getJob(testDb, job.id)).toEqual(tomb);
  });

  it("follows each instance's own archive_after_days, and leaves unfinished jobs alone", async () => {
    const week = await tenantArchivingAfter(7);
    const month = await tenantArchivingAfter(30);
    const weekOld = await endedJob(week, 8, "succeeded");
    const running = await seedJob(env.DB, week, { status: "running", createdAt: NOW - 8 * DAY });
    const notYet = await endedJob(month, 8, "failed");

    const report = await runHousekeeping(spyEnv().env, NOW);

    expect(report).toMatchObject({ archive_jobs: 1, archive_objects: 1 });
    expect((await getJob(testDb, weekOld.id))?.archivedAt).toBe(NOW);
    expect(await getJob(testDb, running.id)).toEqual(running);
    expect(await getJob(testDb, notYet.id)).toEqual(notYet);
    // Leave nothing due behind for the next test.
    await env.DB.prepare("UPDATE jobs SET status = 'canceled' WHERE id = ?").bind(running.id).run();
    expect((await archiveDueJobs({ db: testDb, bucket: env.IMAGES, now: NOW })).jobs).toBe(1);
  });

  it("waits while a webhook event of the job is still being delivered", async () => {
    const t = await tenantArchivingAfter(1);
    const job = await endedJob(t, 2, "succeeded");
    await env.DB.prepare("UPDATE webhook_events SET status = 'pending' WHERE job_id = ?").bind(job.id).run();

    expect((await archiveDueJobs({ db: testDb, bucket: env.IMAGES, now: NOW })).jobs).toBe(0);

    await env.DB.prepare("UPDATE webhook_events SET status = 'delivered' WHERE job_id = ?")
      .bind(job.id)
      .run();
    expect(await archiveDueJobs({ db: testDb, bucket: env.IMAGES, now: NOW })).toMatchObject({
      jobs: 1,
      webhookEvents: 1,
    });
  });

  it(`looks at no more than its limit a run, ${ARCHIVE_JOBS_PER_OBJECT} jobs per object; the next run takes the rest`, async () => {
    const t = await tenantArchivingAfter(1);
    const total = 2 * ARCHIVE_JOBS_PER_OBJECT + 30;
    // One statement for the rows (seedJob per row would take long).
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO jobs (id, instance_id, project_id, api_key_id, type, status, input, request_id, events, created_at, updated_at)
       SELECT ? || i, ?, ?, ?, 'image.generate', 'failed', '{"prompt":"p"}', 'req_x',
              json_array(json_object('version', 1, 'type', 'failed', 'status', 'failed', 'data', null, 'createdAt', ?)), ?, ?
       FROM n`,
    )
      .bind(
        total,
        `job_bulk_${newId("job").slice(4, 12)}_`,
        t.instanceId,
        t.projectId,
        t.keyIds.user,
        NOW - 5 * DAY,
        NOW - 5 * DAY,
        NOW - 5 * DAY,
      )
      .run();
    const deps = { db: testDb, bucket: env.IMAGES, now: NOW, limit: ARCHIVE_JOBS_PER_OBJECT + 50 };

    const first = await archiveDueJobs(deps);
    const second = await archiveDueJobs(deps);
    const third = await archiveDueJobs(deps);

    expect(first).toMatchObject({ jobs: ARCHIVE_JOBS_PER_OBJECT + 50, objects: 2, failed: 0 });
    expect(second).toMatchObject({ jobs: total - first.jobs, objects: 1 });
    expect(third).toMatchObject({ jobs: 0, objects: 0 });
    const listed = await env.IMAGES.list({ prefix: `${t.instanceId}/archive/` });
    expect(listed.objects).toHaveLength(3);
    const left = await env.DB.prepare(
      "SELECT count(*) AS n FROM jobs WHERE instance_id = ? AND archived_at IS NULL",
    )
      .bind(t.instanceId)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it("starts no further group once its time budget is spent", async () => {
    const t = await tenantArchivingAfter(1);
    const jobs = await Promise.all([1, 2, 3].map(() => endedJob(t, 2, "canceled")));
    // The start and the first group's check read 0; every later reading is past the budget.
    let readings = 0;
    const clock = () => (readings++ < 2 ? 0 : 1_000_000);

    const first = await archiveDueJobs({
      db: testDb,
      bucket: env.IMAGES,
      now: NOW,
      perObject: 2,
      clock,
      timeBudgetMs: 1000,
    });
    expect(first).toMatchObject({ jobs: 2, objects: 1 });
    const rest = await archiveDueJobs({ db: testDb, bucket: env.IMAGES, now: NOW });
    expect(rest).toMatchObject({ jobs: 1, objects: 1 });
    for (const job of jobs) expect((await getJob(testDb, job.id))?.archivedAt).toBe(NOW);
  });

  it("leaves a job that changed mid-run live, and voids its line in the object", async () => {
    const t = await tenantArchivingAfter(1);
    const kept = await endedJob(t, 3, "succeeded");
    const replayed = await endedJob(t, 3, "dead_lettered");
    // While the object is being written, an operator replays the dead letter (the version moves).
    const racing = {
      put: async (...args: Parameters<R2Bucket["put"]>) => {
        await env.DB.prepare("UPDATE jobs SET version = version + 1, status = 'queued' WHERE id = ?")
          .bind(replayed.id)
          .run();
        return env.IMAGES.put(...args);
      },
      delete: (keys: string | string[]) => env.IMAGES.delete(keys),
    };

    const result = await archiveDueJobs({ db: testDb, bucket: racing, now: NOW });

    expect(result).toMatchObject({ jobs: 1, objects: 1, skipped: 1, deadLetters: 1, webhookEvents: 1 });
    const live = (await getJob(testDb, replayed.id))!;
    expect(live).toMatchObject({ archivedAt: null, status: "queued", input: replayed.input });
    expect(await countOf("dead_letters", replayed.id)).toBe(1);
    const tomb = (await getJob(testDb, kept.id))!;
    // Two members: the kept job's, where its tombstone says, and the other one's, now a void line.
    const ref = { key: tomb.archiveKey!, offset: tomb.archiveOffset!, length: tomb.archiveLength! };
    expect((await readArchivedLine(env.IMAGES, ref, kept.id)).job).toEqual(kept);
    const size = (await env.IMAGES.head(ref.key))!.size;
    const other =
      ref.offset === 0
        ? { offset: ref.length, length: size - ref.length }
        : { offset: 0, length: ref.offset };
    const ranges = [ref, other].sort((a, b) => a.offset - b.offset);
    const lines = await objectLines(ref.key, ranges);
    expect(lines[ranges.indexOf(other)]).toEqual({ v: 1, void: true });
    await env.DB.prepare("UPDATE jobs SET status = 'canceled', updated_at = ? WHERE id = ?")
      .bind(NOW, replayed.id)
      .run();
  });

  it("changes nothing in D1 when R2 fails, and the next run archives", async () => {
    const t = await tenantArchivingAfter(1);
    const job = await endedJob(t, 2, "failed");
    const down = {
      put: async () => {
        throw new Error("R2 unavailable (test)");
      },
      delete: async () => {},
    };

    expect(await archiveDueJobs({ db: testDb, bucket: down, now: NOW })).toMatchObject({
      jobs: 0,
      failed: 1,
    });
    expect(await getJob(testDb, job.id)).toEqual(job);
    expect(await countOf("webhook_events", job.id)).toBe(1);

    expect(await archiveDueJobs({ db: testDb, bucket: env.IMAGES, now: NOW })).toMatchObject({
      jobs: 1,
      failed: 0,
    });
  });
});
