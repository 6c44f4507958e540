// Live updates on the running system (`npm start`, both Workers in one `wrangler dev`): a real
// EventSource client (the `eventsource` package, as a browser's would) follows a job's stream until
// job.succeeded, through the producer -> JobWatch (consumer, by script_name) path; and
// `Prefer: wait` answers when the job ends, not after the whole wait.
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiJob, startSystem, type System } from "./support/system";

let sys: System;

beforeAll(async () => {
  sys = await startSystem();
}, 90_000);

afterAll(async () => {
  await sys?.stop();
});

async function createJob(prompt: string): Promise<ApiJob> {
  const res = await sys.api("/v1/jobs", {
    method: "POST",
    body: JSON.stringify({ type: "image.generate", input: { prompt } }),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as ApiJob;
}

interface Received {
  id: string;
  type: string;
  data: { job_id: string; version: number; type: string; status: string };
}

/** Follows the stream with an EventSource until `job.succeeded` (rejects on a failed end or after `ms`). */
function followUntilSucceeded(jobId: string, ms: number): Promise<Received[]> {
  const received: Received[] = [];
  const source = new EventSource(`${sys.baseUrl}/v1/jobs/${jobId}/stream`, {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${sys.apiKey}` } }),
  });
  return new Promise<Received[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      source.close();
      reject(new Error(`no job.succeeded after ${ms} ms; got ${received.map((r) => r.type).join(", ")}`));
    }, ms);
    const end = (error?: Error) => {
      clearTimeout(timer);
      source.close();
      if (error) reject(error);
      else resolve(received);
    };
    for (const type of [
      "job.queued",
      "job.running",
      "job.succeeded",
      "job.failed",
      "job.dead_lettered",
      "job.canceled",
    ]) {
      source.addEventListener(type, (event) => {
        received.push({ id: event.lastEventId, type: event.type, data: JSON.parse(event.data) });
        if (type === "job.succeeded") end();
        else if (type !== "job.queued" && type !== "job.running") end(new Error(`the job ended ${type}`));
      });
    }
  });
}

describe("live updates (npm start, HTTP only)", () => {
  it("an EventSource follows a job's stream from job.queued to job.succeeded", async () => {
    // Slow enough that the stream is open before the job runs.
    const job = await createJob("a lighthouse in fog, followed live [demo:delay=1500]");
    const received = await followUntilSucceeded(job.id, 60_000);

    expect(received.at(0)?.type).toBe("job.queued");
    expect(received.map((r) => r.type)).toContain("job.running");
    expect(received.at(-1)?.type).toBe("job.succeeded");
    const versions = received.map((r) => Number(r.id));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    for (const r of received) expect(r.data).toMatchObject({ job_id: job.id, version: Number(r.id) });
    expect(((await (await sys.api(`/v1/jobs/${job.id}`)).json()) as ApiJob).status).toBe("succeeded");
  });

  it("Prefer: wait answers when the job ends, before the wait is up", async () => {
    const job = await createJob("a lighthouse at noon, waited for [demo:delay=1000]");
    const started = Date.now();
    const res = await sys.api(`/v1/jobs/${job.id}`, { headers: { prefer: "wait=45" } });
    const elapsed = Date.now() - started;
    expect(res.headers.get("preference-applied")).toBe("wait=45");
    expect(((await res.json()) as ApiJob).status).toBe("succeeded");
    expect(elapsed).toBeLessThan(40_000);
  });
});
