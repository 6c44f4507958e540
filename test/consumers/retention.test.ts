// The cron's retention step (runHousekeeping, with `now` injected): the images of succeeded jobs
// older than their instance's image_retention_days leave R2 and the job gets images_removed_at;
// younger jobs, jobs of instances without a retention, and jobs with no images are left alone; a
// run handles at most RETENTION_JOBS_PER_RUN jobs; an R2 failure marks nothing and the next run
// finishes. Every test leaves no expired image behind, so the counts of one do not leak into another.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runHousekeeping } from "../../consumers/src/housekeeping";
import { getJob } from "../../shared/db/queries/jobs";
import { newId } from "../../shared/ids";
import { RETENTION_JOBS_PER_RUN, removeExpiredImages } from "../../shared/jobs/retention";
import { type SeededTenant, seedJob, seedJobImage, seedTenant } from "../support/tenant";
import { spyEnv, testDb } from "./helpers";

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-03T12:00:00Z");

async function tenantWithRetention(days: number | null): Promise<SeededTenant> {
  const t = await seedTenant(env.DB);
  await env.DB.prepare("UPDATE instances SET image_retention_days = ? WHERE id = ?")
    .bind(days, t.instanceId)
    .run();
  return t;
}

/** A succeeded job created `ageDays` before NOW, with one stored image; returns it and its R2 key. */
async function imageJob(t: SeededTenant, ageDays: number) {
  const job = await seedJob(env.DB, t, { status: "succeeded", createdAt: NOW - ageDays * DAY });
  const key = await seedJobImage(env, job.id, {
    index: 0,
    bytes: new Uint8Array([7]),
    contentType: "image/png",
  });
  return { job, key };
}

const isStored = async (key: string) => (await env.IMAGES.head(key)) !== null;

describe("retention in runHousekeeping", () => {
  it("removes the images of jobs past the instance's retention, and only those", async () => {
    const t = await tenantWithRetention(30);
    const old = await imageJob(t, 31);
    const young = await imageJob(t, 29);

    const report = await runHousekeeping(spyEnv().env, NOW);

    expect(report).toMatchObject({ retention_jobs: 1, retention_objects_deleted: 1 });
    expect(await isStored(old.key)).toBe(false);
    expect(await getJob(testDb, old.job.id)).toMatchObject({
      imagesRemovedAt: NOW,
      deletedAt: null,
      status: "succeeded",
    });
    expect(await isStored(young.key)).toBe(true);
    expect((await getJob(testDb, young.job.id))?.imagesRemovedAt).toBeNull();

    // Once the young job's age passes the retention too, the next run takes it.
    const later = await runHousekeeping(spyEnv().env, NOW + 2 * DAY);
    expect(later).toMatchObject({ retention_jobs: 1 });
    expect(await isStored(young.key)).toBe(false);
  });

  it("keeps every image of an instance whose retention is null, however old", async () => {
    const t = await tenantWithRetention(null);
    const ancient = await imageJob(t, 4000);

    const report = await runHousekeeping(spyEnv().env, NOW);

    expect(report.retention_jobs).toBe(0);
    expect(await isStored(ancient.key)).toBe(true);
    expect((await getJob(testDb, ancient.job.id))?.imagesRemovedAt).toBeNull();
  });

  it("leaves old jobs that did not succeed unmarked", async () => {
    const t = await tenantWithRetention(1);
    const failed = await seedJob(env.DB, t, { status: "failed", createdAt: NOW - 10 * DAY });

    expect((await runHousekeeping(spyEnv().env, NOW)).retention_jobs).toBe(0);
    expect((await getJob(testDb, failed.id))?.imagesRemovedAt).toBeNull();
  });

  it(`handles at most ${RETENTION_JOBS_PER_RUN} jobs a run; the next run takes the rest`, async () => {
    const t = await tenantWithRetention(1);
    const total = RETENTION_JOBS_PER_RUN + 3;
    // One statement for the rows (seedJob per row would take minutes); their keys hold no object.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO jobs (id, instance_id, project_id, api_key_id, type, status, input, request_id, events, images, created_at, updated_at)
       SELECT ? || i, ?, ?, ?, 'image.generate', 'succeeded', '{"prompt":"p"}', 'req_x', '[]',
              json_array(json_object('index', 0, 'r2Key', 'retention-bulk/' || i, 'contentType', 'image/png',
                'width', 1, 'height', 1, 'bytes', 1, 'seed', null)), ?, ?
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
      )
      .run();

    const first = await runHousekeeping(spyEnv().env, NOW);
    const second = await runHousekeeping(spyEnv().env, NOW);
    const third = await runHousekeeping(spyEnv().env, NOW);

    expect(first).toMatchObject({
      retention_jobs: RETENTION_JOBS_PER_RUN,
      retention_objects_deleted: RETENTION_JOBS_PER_RUN,
    });
    expect(second.retention_jobs).toBe(3);
    expect(third.retention_jobs).toBe(0);
  });

  it("marks nothing when R2 fails, so the next run deletes and marks", async () => {
    const t = await tenantWithRetention(7);
    const old = await imageJob(t, 8);
    const failing = {
      delete: async () => {
        throw new Error("R2 unavailable (test)");
      },
    };

    await expect(removeExpiredImages({ db: testDb, bucket: failing, now: NOW })).rejects.toThrow(
      "R2 unavailable",
    );
    expect((await getJob(testDb, old.job.id))?.imagesRemovedAt).toBeNull();
    expect(await isStored(old.key)).toBe(true);

    expect(await removeExpiredImages({ db: testDb, bucket: env.IMAGES, now: NOW })).toEqual({
      jobs: 1,
      objects: 1,
    });
    expect(await isStored(old.key)).toBe(false);
    expect((await getJob(testDb, old.job.id))?.imagesRemovedAt).toBe(NOW);
  });
});
