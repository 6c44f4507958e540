// GET /health on the running system (`npm start`): the producer reaches D1, R2, both queue
// bindings and the consumer's Durable Objects (by script_name), and reads the backlog from D1;
// the local Analytics Engine dataset takes the Workers' data points without failing a job.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type System } from "./support/system";

let sys: System;

beforeAll(async () => {
  sys = await startSystem();
}, 90_000);

afterAll(async () => {
  await sys?.stop();
});

interface Health {
  status: string;
  checks: Record<string, { ok: boolean; latency_ms: number; error?: string }>;
  backlog: { queued: number; oldest_queued_age_seconds: number | null; scanned_jobs: number } | null;
}

describe("GET /health on the running system", () => {
  it("reports every component up, the consumer's objects included, and the backlog", async () => {
    // A job first, so that the backlog has scanned something and the data points were written.
    const res = await sys.api("/v1/jobs", {
      method: "POST",
      body: JSON.stringify({ type: "image.generate", input: { prompt: "a healthy lighthouse" } }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await sys.pollJob(id, (job) => job.status === "succeeded");

    // The report of the start-up polls is kept 10 s: poll until one made after the job.
    let health: Response;
    let body: Health;
    const deadline = Date.now() + 15_000;
    do {
      health = await fetch(`${sys.baseUrl}/health`);
      body = (await health.json()) as Health;
      if ((body.backlog?.scanned_jobs ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    } while (Date.now() < deadline);
    expect(health.status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe("ok");
    expect(Object.keys(body.checks).sort()).toEqual(
      ["budget", "d1", "jobs_queue", "r2", "token_bucket", "webhooks_queue"].sort(),
    );
    for (const [name, check] of Object.entries(body.checks)) expect(check.ok, name).toBe(true);
    expect(body.backlog).not.toBeNull();
    expect(body.backlog!.scanned_jobs).toBeGreaterThanOrEqual(1);
    expect(body.backlog!.queued).toBe(0);
  });
});
