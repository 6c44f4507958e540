// Archiving on the running system: the consumer's housekeeping (through wrangler's cron hint on the
// producer) writes an old job to R2, and the producer reads it back from the same bucket: GET and
// /events answer as before, while the list shows the tombstone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalD1, openLocalD1 } from "./support/local-d1";
import { type ApiJob, startSystem, type System } from "./support/system";

const DAY = 86_400_000;

/** The job without its signed URLs (their expiry follows the clock of each answer). */
function unsigned(job: ApiJob): unknown {
  const result = job.result as { images?: Record<string, unknown>[] } | null;
  if (!result?.images) return job;
  const images = result.images.map(({ signed_url: _u, signed_url_expires_at: _e, ...rest }) => rest);
  return { ...job, result: { ...result, images } };
}

describe("archiving on the running system", () => {
  let sys: System;
  let d1: LocalD1;

  beforeAll(async () => {
    sys = await startSystem();
    d1 = await openLocalD1(sys);
  });

  afterAll(async () => {
    await d1?.dispose();
    await sys?.stop();
  });

  it("archives a job past 30 days and still answers it whole", async () => {
    const created = await sys.api("/v1/jobs", {
      method: "POST",
      body: JSON.stringify({
        type: "image.generate",
        input: { prompt: "an archived lighthouse" },
        metadata: { order: "E2E-1" },
      }),
    });
    expect(created.status, await created.clone().text()).toBe(202);
    const { id } = (await created.json()) as ApiJob;
    await sys.pollJob(id, (j) => j.status === "succeeded", 30_000);
    // 40 days old, and no webhook still being delivered (the dev project's URL may not answer).
    await d1.run(
      "UPDATE jobs SET created_at = created_at - ?, updated_at = updated_at - ?, completed_at = completed_at - ?, started_at = started_at - ? WHERE id = ?",
      40 * DAY,
      40 * DAY,
      40 * DAY,
      40 * DAY,
      id,
    );
    await d1.run("UPDATE webhook_events SET status = 'failed' WHERE job_id = ? AND status = 'pending'", id);
    const before = (await (await sys.api(`/v1/jobs/${id}`)).json()) as ApiJob;
    const eventsBefore = await (await sys.api(`/v1/jobs/${id}/events`)).json();

    const cron = await fetch(`${sys.baseUrl}/cdn-cgi/local/scheduled`);
    expect(cron.status, await cron.text()).toBe(200);

    const list = (await (await sys.api("/v1/jobs?limit=100")).json()) as { data: ApiJob[] };
    expect(list.data.find((j) => j.id === id)).toMatchObject({ id, status: "succeeded", input: null });
    const after = (await (await sys.api(`/v1/jobs/${id}`)).json()) as ApiJob;
    expect(unsigned(after)).toEqual(unsigned(before));
    expect(after).toMatchObject({
      input: { prompt: "an archived lighthouse" },
      metadata: { order: "E2E-1" },
    });
    expect(await (await sys.api(`/v1/jobs/${id}/events`)).json()).toEqual(eventsBefore);
    // The image is untouched by archiving.
    expect((await sys.api(`/v1/jobs/${id}/images/0`)).status).toBe(200);
  });
});
