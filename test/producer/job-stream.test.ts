// Live updates through the producer: GET /v1/jobs/{id}/stream (Server-Sent Events, resumable with
// Last-Event-ID) and `Prefer: wait` on GET /v1/jobs/{id}. The consumer's part is played by the
// lifecycle steps it runs, on a Db made with the Worker's bindings, so each change is announced to
// the job's JobWatch object (here the test Worker's copy of the class) as it would be in production.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { type EventSourceMessage, EventSourceParserStream } from "eventsource-parser/stream";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/db/client";
import { jobs } from "../../shared/db/schema";
import { archiveDueJobs } from "../../shared/jobs/archive";
import { claimJob, succeedJob } from "../../shared/jobs/lifecycle";
import { authHeaders, seedJob, seedTenant } from "../support/tenant";
import { call } from "./helpers";

/** The consumer's Db: its changes are announced. */
const announcing = createDb(env.DB, env);
/** A script's Db: its changes are not (for history written before anyone watches). */
const silent = createDb(env.DB);

async function queuedJob() {
  const t = await seedTenant(env.DB);
  return { t, job: await seedJob(env.DB, t, { status: "queued" }) };
}

const claim = (db: typeof silent, jobId: string, leaseToken = "lease_stream_test") =>
  claimJob(db, jobId, { leaseToken, leaseMs: 60_000, now: Date.now(), provider: "demo" });

const succeed = (db: typeof silent, jobId: string, leaseToken = "lease_stream_test") =>
  succeedJob(
    db,
    jobId,
    leaseToken,
    { images: [], model: "demo-1", revisedPrompt: null, costUsd: 0 },
    Date.now(),
  );

/** Every SSE event until the server closes the stream (fails after `ms`). */
async function eventsUntilClosed(res: Response, ms = 10_000): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const reader = res
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const timeout = scheduler.wait(ms).then(() => {
    throw new Error(`stream still open after ${ms} ms; got ${events.map((e) => e.event).join(", ")}`);
  });
  const read = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) events.push(r.value);
  })();
  await Promise.race([read, timeout]);
  return events;
}

const watchedUntil = async (jobId: string) =>
  (await silent.select({ at: jobs.watchedUntil }).from(jobs).where(eq(jobs.id, jobId)).get())?.at;

describe("GET /v1/jobs/{id}/stream", () => {
  it("sends each event as it happens and ends after job.succeeded", async () => {
    const { t, job } = await queuedJob();
    const res = await call(`/v1/jobs/${job.id}/stream`, { headers: authHeaders(t.userKey) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(await watchedUntil(job.id)).toBeGreaterThan(Date.now());
    const reading = eventsUntilClosed(res);

    await scheduler.wait(100);
    await claim(announcing, job.id);
    await scheduler.wait(100);
    await succeed(announcing, job.id);

    const events = await reading;
    expect(events.map((e) => [e.id, e.event])).toEqual([
      ["1", "job.queued"],
      ["2", "job.running"],
      ["3", "job.succeeded"],
    ]);
    expect(JSON.parse(events[2]!.data)).toMatchObject({
      job_id: job.id,
      version: 3,
      type: "succeeded",
      status: "succeeded",
      data: { model: "demo-1" },
    });
  });

  it("resumes after Last-Event-ID, live", async () => {
    const { t, job } = await queuedJob();
    await claim(silent, job.id);
    const res = await call(`/v1/jobs/${job.id}/stream`, {
      headers: { ...authHeaders(t.userKey), "last-event-id": "1" },
    });
    const reading = eventsUntilClosed(res);
    await scheduler.wait(100);
    await succeed(announcing, job.id);
    expect((await reading).map((e) => e.event)).toEqual(["job.running", "job.succeeded"]);
  });

  it("sends an ended job's events after the one asked for, then closes; 204 once none are left", async () => {
    const { t, job } = await queuedJob();
    await claim(silent, job.id);
    await succeed(silent, job.id);
    const resumed = await call(`/v1/jobs/${job.id}/stream`, {
      headers: { ...authHeaders(t.userKey), "last-event-id": "2" },
    });
    expect((await eventsUntilClosed(resumed, 3_000)).map((e) => e.id)).toEqual(["3"]);
    const all = await call(`/v1/jobs/${job.id}/stream?after=0`, { headers: authHeaders(t.userKey) });
    expect((await eventsUntilClosed(all, 3_000)).map((e) => e.id)).toEqual(["1", "2", "3"]);
    // An EventSource reconnecting after the last event is told to stop.
    const after = await call(`/v1/jobs/${job.id}/stream`, {
      headers: { ...authHeaders(t.userKey), "last-event-id": "3" },
    });
    expect(after.status).toBe(204);
  });

  it("streams an archived job's history from the archive, and Prefer: wait answers it whole at once", async () => {
    const { t, job } = await queuedJob();
    await claim(silent, job.id);
    await succeed(silent, job.id);
    await archiveDueJobs({ db: silent, bucket: env.IMAGES, now: Date.now() + 40 * 86_400_000 });
    expect((await silent.select().from(jobs).where(eq(jobs.id, job.id)).get())?.events).toEqual([]);

    const res = await call(`/v1/jobs/${job.id}/stream`, { headers: authHeaders(t.userKey) });
    const events = await eventsUntilClosed(res, 3_000);
    expect(events.map((e) => e.event)).toEqual(["job.queued", "job.running", "job.succeeded"]);
    const waited = await call(`/v1/jobs/${job.id}`, {
      headers: { ...authHeaders(t.userKey), prefer: "wait=30" },
    });
    expect(((await waited.json()) as { result: { model: string } }).result.model).toBe("demo-1");
  });

  it("answers 404 for a job of another instance and marks nothing", async () => {
    const { job } = await queuedJob();
    const other = await seedTenant(env.DB);
    const res = await call(`/v1/jobs/${job.id}/stream`, { headers: authHeaders(other.userKey) });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe("job_not_found");
    expect(await watchedUntil(job.id)).toBeNull();
  });
});

describe("GET /v1/jobs/{id} with Prefer: wait", () => {
  it("answers as soon as the job ends", async () => {
    const { t, job } = await queuedJob();
    await claim(silent, job.id);
    const started = Date.now();
    const pending = call(`/v1/jobs/${job.id}`, {
      headers: { ...authHeaders(t.userKey), prefer: "wait=20" },
    });
    await scheduler.wait(300);
    await succeed(announcing, job.id);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=20");
    expect(((await res.json()) as { status: string }).status).toBe("succeeded");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("answers after N seconds with the job as it is then", async () => {
    const { t, job } = await queuedJob();
    const started = Date.now();
    const res = await call(`/v1/jobs/${job.id}`, {
      headers: { ...authHeaders(t.userKey), prefer: "wait=1" },
    });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=1");
    expect(((await res.json()) as { status: string }).status).toBe("queued");
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(5_000);
  });

  it("serves a longer wait as 60 seconds, and answers an ended job at once", async () => {
    const { t, job } = await queuedJob();
    await claim(silent, job.id);
    await succeed(silent, job.id);
    const started = Date.now();
    const res = await call(`/v1/jobs/${job.id}`, {
      headers: { ...authHeaders(t.userKey), prefer: "respond-async, wait=600" },
    });
    expect(res.headers.get("preference-applied")).toBe("wait=60");
    expect(((await res.json()) as { status: string }).status).toBe("succeeded");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("does not wait, mark or say so without a wait preference", async () => {
    const { t, job } = await queuedJob();
    const res = await call(`/v1/jobs/${job.id}`, {
      headers: { ...authHeaders(t.userKey), prefer: "return=minimal" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBeNull();
    expect(await watchedUntil(job.id)).toBeNull();
  });
});
