// The consumer's logs and metrics on the Workers runtime: the ANALYTICS binding is replaced by a
// writer that keeps its points, and console output is captured, so a test reads what was written.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { acquireSlot, type GateRequest } from "../../consumers/src/pacing";
import { inScope } from "../../shared/observability/context";
import { type DataPoint, recordingWriter } from "../../shared/observability/metrics-writer";
import { newId } from "../../shared/ids";
import { seedJob, seedTenant } from "../support/tenant";
import { deliverBatch, messageFor, spyEnv } from "./helpers";

const JOBS_QUEUE = env.JOBS_QUEUE_NAME;

async function runJob(prompt: string) {
  const tenant = await seedTenant(env.DB);
  const job = await seedJob(env.DB, tenant, {
    overrides: { input: { prompt, aspect_ratio: "1x1", num_images: 1 } },
  });
  const analytics = recordingWriter();
  const target = { ...spyEnv().env, ANALYTICS: analytics } as unknown as ConsumerEnv;
  const lines = captureLogs();
  await deliverBatch(JOBS_QUEUE, [messageFor(job)], target);
  return { job, points: analytics.points, lines: lines() };
}

/** Every JSON line the Worker logs from now on, parsed. */
function captureLogs(): () => Record<string, unknown>[] {
  const seen: string[] = [];
  for (const level of ["log", "warn", "error"] as const)
    vi.spyOn(console, level).mockImplementation((line: unknown) => void seen.push(String(line)));
  return () => seen.flatMap((l) => (l.startsWith("{") ? [JSON.parse(l) as Record<string, unknown>] : []));
}

const ofEvent = (points: DataPoint[], event: string) => points.filter((p) => p.blobs[0] === event);

afterEach(() => vi.restoreAllMocks());

describe("consumer observability", () => {
  it("writes one job data point for a success: outcome, provider, instance, latency", async () => {
    const { job, points } = await runJob("an observed lighthouse");
    const jobPoints = ofEvent(points, "job");
    expect(jobPoints).toHaveLength(1);
    expect(jobPoints[0]!.indexes).toEqual([job.instanceId]);
    expect(jobPoints[0]!.blobs.slice(0, 3)).toEqual(["job", "demo", "succeeded"]);
    expect(jobPoints[0]!.doubles[0]).toBeGreaterThanOrEqual(0);
    expect(jobPoints[0]!.doubles[1]).toBe(1);
  });

  it("puts the job, request and instance ids on every line the job's message writes", async () => {
    const { job, lines } = await runJob("a logged lighthouse");
    const own = lines.filter((l) => l.msg === "job succeeded" || l.msg === "job message handled");
    expect(own.map((l) => l.msg)).toEqual(["job succeeded", "job message handled"]);
    for (const line of lines)
      expect(line).toMatchObject({ job_id: job.id, request_id: job.requestId, instance_id: job.instanceId });
  });

  it("writes a provider_error point with the error's code, and the failed job's outcome", async () => {
    const { job, points } = await runJob("nope [demo:fail=provider_safety_rejected]");
    expect(ofEvent(points, "provider_error")).toEqual([
      {
        indexes: [job.instanceId],
        blobs: ["provider_error", "demo", "provider_safety_rejected", "final"],
        doubles: [0, 1],
      },
    ]);
    expect(ofEvent(points, "job").map((p) => p.blobs[2])).toEqual(["failed"]);
  });

  it("writes no job point for a retry, which leaves the job queued", async () => {
    const { points } = await runJob("busy [demo:fail=provider_rate_limited]");
    expect(ofEvent(points, "provider_error").map((p) => p.blobs[3])).toEqual(["retryable"]);
    expect(ofEvent(points, "job")).toEqual([]);
  });

  it("writes a pacing_wait point for a slot granted after a wait, and for a deferral; none for no wait", async () => {
    const instanceId = newId("ins");
    const analytics = recordingWriter();
    const ask = (maxInlineWaitMs: number) =>
      acquireSlot({
        namespace: env.TOKEN_BUCKET,
        instanceId,
        provider: "demo",
        input: { prompt: "p", aspect_ratio: "1x1", num_images: 1 } as GateRequest["input"],
        limits: { ratePerSecond: 1, burst: 1, maxInFlight: 10, leaseTtlMs: 60_000 },
        maxInlineWaitMs,
        now: Date.now,
        sleep: async () => {},
      });
    const gates = await inScope({ metrics: analytics }, async () => [
      await ask(3000),
      await ask(3000),
      await ask(0),
    ]);
    expect(gates.map((g) => g.kind)).toEqual(["granted", "granted", "denied"]);
    const waits = ofEvent(analytics.points, "pacing_wait");
    expect(waits.map((p) => p.blobs.slice(1, 3))).toEqual([
      ["demo", "inline"],
      ["demo", "deferred"],
    ]);
    expect(waits.every((p) => p.indexes[0] === instanceId && (p.doubles[0] ?? 0) > 0)).toBe(true);
  });
});
