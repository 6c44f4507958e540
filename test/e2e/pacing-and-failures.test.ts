// Issue 4 end to end: the real system (both Workers under `wrangler dev`) against the fake
// Ideogram, made to fail on demand.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_TENANT } from "../../scripts/lib/dev-tenant";
import { startIdeogramFake } from "../fakes/ideogram";
import { callTimes } from "../fakes/knobs";
import type { RunningFake } from "../fakes/spec";
import { type LocalD1, openLocalD1, seedInstance, setProviderLimits } from "./support/local-d1";
import { type ApiEvent, type ApiJob, type System, startSystem } from "./support/system";

const RATE = 2;
const FAKE_KEY = "e2e-ideogram-key";
let fake: RunningFake;
let system: System;
let d1: LocalD1;

const terminal = (job: ApiJob) => ["succeeded", "failed", "canceled", "dead_lettered"].includes(job.status);

async function enqueue(body: Record<string, unknown>, key?: string): Promise<string> {
  const headers = key ? { authorization: `Bearer ${key}` } : undefined;
  const res = await system.api("/v1/jobs", { method: "POST", body: JSON.stringify(body), headers });
  expect(res.status).toBe(202);
  return ((await res.json()) as ApiJob).id;
}

const imageJob = (prompt: string, extra: Record<string, unknown> = {}) => ({
  type: "image.generate",
  input: { prompt },
  ...extra,
});

async function pollWithKey(id: string, key: string, timeoutMs = 30_000): Promise<ApiJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${system.baseUrl}/v1/jobs/${id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const job = (await res.json()) as ApiJob;
    if (terminal(job) || Date.now() > deadline) return job;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function events(id: string): Promise<ApiEvent[]> {
  return ((await (await system.api(`/v1/jobs/${id}/events`)).json()) as { data: ApiEvent[] }).data;
}

beforeAll(async () => {
  // The fake enforces RATE/s with room for one request of network jitter: our bucket grants a
  // call every 1/RATE s exactly, but arrival times at the provider wobble by a few ms.
  fake = await startIdeogramFake({
    apiKey: FAKE_KEY,
    knobs: { rateLimit: { ratePerSecond: RATE, burst: 2 } },
  });
  system = await startSystem({ env: { IDEOGRAM_API_KEY: FAKE_KEY, IDEOGRAM_BASE_URL: fake.url } });
  d1 = await openLocalD1(system);
  await setProviderLimits(d1, DEV_TENANT.instanceId, "ideogram", {
    ratePerSecond: RATE,
    burst: 1,
    maxInFlight: 10,
  });
});

afterAll(async () => {
  await d1?.dispose();
  await system?.stop();
  await fake?.close();
});

describe("pacing against a strictly limited provider", () => {
  it("never exceeds the instance's rate, while another instance runs unhindered", async () => {
    fake.reset();
    const other = await seedInstance(d1);
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => enqueue(imageJob(`burst ${i}`, { provider: "ideogram" }))),
    );
    const started = Date.now();
    const others = await Promise.all(
      Array.from({ length: 4 }, (_, i) => enqueue(imageJob(`other ${i}`), other.apiKey)),
    );

    // The other instance is not queued behind the limited one's backlog (12 jobs at 2/s = 6 s).
    for (const id of others) expect((await pollWithKey(id, other.apiKey)).status).toBe("succeeded");
    const otherDone = Date.now() - started;

    const done = await Promise.all(burst.map((id) => system.pollJob(id, terminal, 90_000)));
    const burstDone = Date.now() - started;
    expect(done.map((j) => j.status)).toEqual(burst.map(() => "succeeded"));
    const stats = fake.stats();
    expect(stats.overLimitCalls).toBe(0);
    const calls = callTimes(stats);
    expect(calls.length).toBeGreaterThanOrEqual(12);
    // Sustained rate: over the whole drain, no more than RATE calls per second (plus the first).
    const span = (Math.max(...calls) - Math.min(...calls)) / 1000;
    expect(calls.length - 1).toBeLessThanOrEqual(Math.ceil(span * RATE) + 1);
    expect(otherDone).toBeLessThan(burstDone);
  });
});

describe("failures", () => {
  it("dead-letters a poison job, lists it for admins, and dlq:replay brings it to succeeded once healed", async () => {
    fake.reset();
    fake.configure({ failNext: Array.from({ length: 40 }, () => "500") });
    const id = await enqueue(imageJob("poison", { provider: "ideogram" }));
    const dead = await system.pollJob(id, terminal, 90_000);
    expect(dead.status).toBe("dead_lettered");
    expect(dead.error?.code).toBe("provider_unavailable");

    const list = await system.api(`/v1/admin/dead-letters?error_code=provider_unavailable`, {
      headers: { authorization: `Bearer ${system.adminKey}` },
    });
    expect(list.status).toBe(200);
    const letters = ((await list.json()) as { data: { job_id: string }[] }).data;
    expect(letters.map((l) => l.job_id)).toContain(id);

    fake.configure({ failNext: [] });
    const replay = spawnSync(
      join(process.cwd(), "node_modules/.bin/tsx"),
      ["scripts/dlq-replay.ts", "--url", system.baseUrl, "--job", id, "--yes"],
      { env: { ...process.env, GENQUEUE_ADMIN_KEY: system.adminKey }, encoding: "utf8", timeout: 60_000 },
    );
    expect(replay.status, replay.stdout + replay.stderr).toBe(0);
    const healed = await system.pollJob(id, (j) => j.status === "succeeded", 60_000);
    expect(healed.attempts).toBeGreaterThanOrEqual(1);
    expect((await events(id)).map((e) => e.type)).toContain("replayed");
  });

  it("moves a job to the next provider of its chain while one provider is down", async () => {
    fake.reset();
    fake.configure({ down: true });
    const id = await enqueue(imageJob("fallback", { provider: "ideogram", fallback_providers: ["demo"] }));
    const job = await system.pollJob(id, terminal, 60_000);
    fake.configure({ down: false });
    expect(job.status).toBe("succeeded");
    expect(job.provider).toBe("demo");
    const moved = (await events(id)).find((e) => e.type === "provider_fallback");
    expect(moved?.data).toMatchObject({ from: "ideogram", to: "demo", reason: "provider_unavailable" });
  });
});
