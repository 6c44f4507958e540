// Live updates, the consumer's side: a state change of a job someone watches is announced to the
// job's JobWatch object (through transition(), with the Worker's own bindings), and a job nobody
// watches costs no object request at all. Then the object itself: waiting, waking, ordering.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { JobEvent } from "../../shared/db/queries/jobs";
import { type JobChange, jobWatchOf } from "../../shared/jobs/watch";
import { seedJob, seedTenant } from "../support/tenant";
import { deliverBatch, eventTypes, jobRow, messageFor, spyEnv } from "./helpers";

const JOBS_QUEUE = env.JOBS_QUEUE_NAME;

/** The real JOB_WATCH namespace, counting the objects asked for. */
function countingWatch() {
  const real = env.JOB_WATCH;
  const getByName = vi.fn((name: string) => real.getByName(name));
  return { namespace: { getByName } as unknown as ConsumerEnv["JOB_WATCH"], getByName };
}

async function runJob(watchedUntil: number | null) {
  const tenant = await seedTenant(env.DB);
  const job = await seedJob(env.DB, tenant, { overrides: { watchedUntil } });
  const watch = countingWatch();
  const target = { ...spyEnv().env, JOB_WATCH: watch.namespace };
  await deliverBatch(JOBS_QUEUE, [messageFor(job)], target);
  return { job, getByName: watch.getByName };
}

describe("announcing job changes", () => {
  it("tells a watched job's object every change the consumer makes, ending with the success", async () => {
    const { job, getByName } = await runJob(Date.now() + 60_000);
    expect((await jobRow(job.id)).status).toBe("succeeded");
    const types = await eventTypes(job.id);
    // One request per change (the `queued` event was written before anyone could watch).
    expect(getByName).toHaveBeenCalledTimes(types.length - 1);
    expect(getByName).toHaveBeenCalledWith(`job:${job.id}`);

    const seen = await jobWatchOf(env.JOB_WATCH, job.id).next(0, 0);
    expect(seen.events.map((e) => e.type)).toEqual(types);
    expect(seen.status).toBe("succeeded");
  });

  it("makes no object request for a job nobody watches", async () => {
    const { job, getByName } = await runJob(null);
    expect((await jobRow(job.id)).status).toBe("succeeded");
    expect(getByName).not.toHaveBeenCalled();
  });

  it("still runs the job when its object cannot be told (the change is committed first)", async () => {
    const tenant = await seedTenant(env.DB);
    const job = await seedJob(env.DB, tenant, { overrides: { watchedUntil: Date.now() + 60_000 } });
    const notify = vi.fn(async () => {
      throw new Error("object unreachable");
    });
    const broken = { getByName: () => ({ notify }) } as unknown as ConsumerEnv["JOB_WATCH"];
    await deliverBatch(JOBS_QUEUE, [messageFor(job)], { ...spyEnv().env, JOB_WATCH: broken });
    expect((await jobRow(job.id)).status).toBe("succeeded");
    expect(notify).toHaveBeenCalled();
  });

  it("makes no object request once the watch has lapsed", async () => {
    const { job, getByName } = await runJob(Date.now() - 1);
    expect((await jobRow(job.id)).status).toBe("succeeded");
    expect(getByName).not.toHaveBeenCalled();
  });
});

const event = (version: number, type: JobEvent["type"], status: JobEvent["status"]): JobEvent => ({
  version,
  type,
  status,
  data: null,
  createdAt: Date.now(),
});

function change(jobId: string, events: JobEvent[]): JobChange {
  const last = events.at(-1)!;
  return { jobId, status: last.status, version: last.version, events };
}

describe("the JobWatch object", () => {
  const queued = event(1, "queued", "queued");
  const running = event(2, "running", "running");
  const succeeded = event(3, "succeeded", "succeeded");

  it("answers a waiting call as soon as a newer change arrives", async () => {
    const stub = jobWatchOf(env.JOB_WATCH, "job_wait_wake");
    await stub.notify(change("job_wait_wake", [queued]));
    const started = Date.now();
    const waiting = stub.next(1, 30_000);
    await scheduler.wait(50);
    await stub.notify(change("job_wait_wake", [queued, running]));
    const batch = await waiting;
    expect(batch.events.map((e) => e.version)).toEqual([2]);
    expect(batch.status).toBe("running");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("answers with nothing after the timeout when no change comes", async () => {
    const stub = jobWatchOf(env.JOB_WATCH, "job_wait_timeout");
    await stub.notify(change("job_wait_timeout", [queued, running]));
    const started = Date.now();
    const batch = await stub.next(2, 200);
    expect(batch.events).toEqual([]);
    expect(batch.version).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("keeps the newest history when an older change arrives late", async () => {
    const stub = jobWatchOf(env.JOB_WATCH, "job_out_of_order");
    await stub.notify(change("job_out_of_order", [queued, running, succeeded]));
    await stub.notify(change("job_out_of_order", [queued, running]));
    const batch = await stub.next(1, 0);
    expect(batch.events.map((e) => e.type)).toEqual(["running", "succeeded"]);
    expect(batch.status).toBe("succeeded");
  });

  it("forgets the history at its idle alarm", async () => {
    const stub = jobWatchOf(env.JOB_WATCH, "job_idle");
    await stub.notify(change("job_idle", [queued, running, succeeded]));
    const raw = env.JOB_WATCH.getByName("job:job_idle");
    expect(await runDurableObjectAlarm(raw)).toBe(true);
    const stored = await runInDurableObject(raw, (_o, state) => state.storage.kv.get("job"));
    expect(stored).toBeUndefined();
    expect((await stub.next(0, 0)).version).toBe(0);
  });
});
