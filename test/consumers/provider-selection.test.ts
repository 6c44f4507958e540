// Jobs asking for a strategy instead of a provider, through the real consumer. The candidates are
// the demo provider (free, the default here) and Workers AI (configured by injecting its binding);
// every other provider has no key in this env. Health comes from the instance's pacing objects,
// seeded through their own RPC methods (a call report, a failure that opens the circuit).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { JobRow } from "../../shared/db/queries/jobs";
import type { JobEvent } from "../../shared/db/schema";
import { bucketName } from "../../shared/pacing/object-name";
import { FakeAiBinding } from "../fakes/workers-ai-binding";
import { seedJob, seedTenant } from "../support/tenant";
import { deliverBatch, jobRow, messageFor, spyEnv } from "./helpers";

type Input = JobRow["input"];
const SQUARE: Input = { prompt: "a lighthouse", aspect_ratio: "1x1", num_images: 1 };

async function strategyJob(strategy: string, input: Input = SQUARE) {
  const tenant = await seedTenant(env.DB);
  const job = await seedJob(env.DB, tenant, { overrides: { requestedProvider: strategy, input } });
  return { tenant, job };
}

/** The consumer's env with Workers AI configured (and DEFAULT_PROVIDER changed, when asked). */
function withWorkersAi(vars: Record<string, string> = {}) {
  const ai = new FakeAiBinding();
  return { ai, target: { ...spyEnv().env, AI: ai, ...vars } as ConsumerEnv };
}

/** Delivers the job's first message and reads it back, which must have succeeded. */
async function runToSuccess(job: Parameters<typeof messageFor>[0], target: ConsumerEnv) {
  await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], target);
  const after = await jobRow(job.id);
  expect(after.status, after.errorMessage ?? "").toBe("succeeded");
  return after;
}

const selection = (events: JobEvent[]) => events.filter((e) => e.type === "provider_selected");
const limits = { ratePerSecond: 100, burst: 100, maxInFlight: 100, failureThreshold: 1 };

/** One call the pacing object paced, reported on release as the consumer reports it. */
async function reportCall(
  instanceId: string,
  provider: string,
  outcome: "success" | "retryable_failure",
  ageMs = 0,
) {
  const stub = env.TOKEN_BUCKET.getByName(bucketName(instanceId, provider));
  const leaseId = crypto.randomUUID();
  expect((await stub.acquire({ leaseId, limits })).granted).toBe(true);
  const ended = outcome === "success" ? "succeeded" : null;
  await stub.release(leaseId, outcome, { outcome, ended, ageMs, costUsd: 0 });
}

describe("provider selection by strategy", () => {
  it("cheapest: runs on the cheaper eligible provider and records the ranking and why", async () => {
    const { job } = await strategyJob("cheapest");
    const { ai, target } = withWorkersAi();
    const after = await runToSuccess(job, target);
    expect(after.provider).toBe("demo");
    expect(ai.calls).toHaveLength(0);
    const [selected, ...more] = selection(after.events);
    expect(more).toEqual([]);
    expect(selected?.status).toBe("queued");
    expect(selected?.data).toMatchObject({
      strategy: "cheapest",
      chosen: "demo",
      reason: "lowest estimated cost ($0) of 2 eligible",
      chain: ["demo", "workers-ai"],
      ranking: [
        { provider: "demo", cost_usd: 0, circuit: "closed" },
        { provider: "workers-ai", model: "@cf/black-forest-labs/flux-1-schnell", cost_usd: 0.00063 },
      ],
    });
    expect(selected?.data?.excluded).toContainEqual({ provider: "openai", reason: "not_configured" });
    // Recorded before the claim: the history reads queued, provider_selected, running, succeeded.
    expect(after.events.map((e) => e.type)).toEqual(["queued", "provider_selected", "running", "succeeded"]);
  });

  it("leaves out the demo provider where it is not the default", async () => {
    const { job } = await strategyJob("cheapest");
    const { ai, target } = withWorkersAi({ DEFAULT_PROVIDER: "workers-ai" });
    const after = await runToSuccess(job, target);
    expect(after.provider).toBe("workers-ai");
    expect(ai.calls).toHaveLength(1);
    expect(selection(after.events)[0]?.data?.excluded).toContainEqual({
      provider: "demo",
      reason: "not_configured",
    });
  });

  it("cheapest: ranks by the instance's own price where it set one", async () => {
    const { tenant, job } = await strategyJob("cheapest", { ...SQUARE, num_images: 2 });
    await env.DB.prepare(
      "INSERT INTO provider_prices (instance_id, provider, per_image_usd, updated_at) VALUES (?, 'demo', 0.5, 0)",
    )
      .bind(tenant.instanceId)
      .run();
    const { ai, target } = withWorkersAi();
    const after = await runToSuccess(job, target);
    expect(after.provider).toBe("workers-ai");
    expect(ai.calls).toHaveLength(2);
    expect(selection(after.events)[0]?.data?.ranking).toMatchObject([
      { provider: "workers-ai", cost_usd: 0.00126 },
      { provider: "demo", cost_usd: 1 },
    ]);
  });

  it("fastest: picks the provider with an observed p50 over one with none", async () => {
    const { tenant, job } = await strategyJob("fastest");
    await reportCall(tenant.instanceId, "workers-ai", "success", 1_500);
    const { ai, target } = withWorkersAi();
    const after = await runToSuccess(job, target);
    expect(after.provider).toBe("workers-ai");
    expect(ai.calls).toHaveLength(1);
    const data = selection(after.events)[0]?.data;
    expect(data?.reason).toMatch(/^lowest observed p50 time to terminal \(\d+ ms\) of 2 eligible$/);
    expect(data?.ranking).toMatchObject([
      { provider: "workers-ai", p50_ms: expect.any(Number) },
      { provider: "demo", p50_ms: null },
    ]);
  });

  it("skips a provider whose circuit is open", async () => {
    const { tenant, job } = await strategyJob("cheapest");
    await reportCall(tenant.instanceId, "demo", "retryable_failure");
    const { ai, target } = withWorkersAi();
    const after = await runToSuccess(job, target);
    expect(after.provider).toBe("workers-ai");
    expect(ai.calls).toHaveLength(1);
    const data = selection(after.events)[0]?.data;
    expect(data?.excluded).toContainEqual({ provider: "demo", reason: "circuit_open" });
    expect(data?.chain).toEqual(["workers-ai"]);
  });

  it("skips a provider that cannot take the input (FLUX draws 1x1 only)", async () => {
    const { job } = await strategyJob("fastest", { ...SQUARE, aspect_ratio: "16x9" });
    const { ai, target } = withWorkersAi();
    const after = await runToSuccess(job, target);
    expect(after.provider).toBe("demo");
    expect(ai.calls).toHaveLength(0);
    const data = selection(after.events)[0]?.data;
    expect(data?.excluded).toContainEqual({ provider: "workers-ai", reason: "unsupported_input" });
  });

  it("moves along the rest of the ranking on failure, and a later delivery keeps the recorded chain", async () => {
    const { job } = await strategyJob("cheapest", {
      ...SQUARE,
      prompt: "[demo:fail=provider_unavailable] a fox",
    });
    const { ai, target } = withWorkersAi();
    await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], target);
    const moved = await jobRow(job.id);
    expect(moved.status).toBe("queued");
    expect(moved.provider).toBe("workers-ai");
    const after = await runToSuccess(job, target);
    expect(after.provider).toBe("workers-ai");
    expect(ai.calls).toHaveLength(1);
    expect(selection(after.events)).toHaveLength(1);
    expect(after.events.map((e) => e.type)).toContain("provider_fallback");
  });

  it("a quality tier with no provider of that tier runs on the instance default, saying so", async () => {
    const { job } = await strategyJob("quality:high");
    const { target } = withWorkersAi();
    const after = await runToSuccess(job, target);
    expect(after.provider).toBe("demo");
    const data = selection(after.events)[0]?.data;
    expect(data).toMatchObject({ chosen: "demo", ranking: [] });
    expect(data?.reason).toMatch(/no eligible provider/);
    expect(data?.excluded).toContainEqual({ provider: "workers-ai", reason: "other_tier" });
  });
});

describe("TokenBucket.health", () => {
  const stubFor = (provider: string) =>
    env.TOKEN_BUCKET.getByName(bucketName(`inst_${crypto.randomUUID()}`, provider));

  it("answers closed with no latency for an object that never paced a call", async () => {
    expect(await stubFor("openai").health()).toEqual({ circuit: "closed", p50Ms: null });
  });

  it("answers the p50 time to terminal of the jobs that ended there lately", async () => {
    const stub = stubFor("openai");
    for (const ageMs of [1_000, 1_000, 30_000]) {
      const leaseId = crypto.randomUUID();
      await stub.acquire({ leaseId, limits });
      await stub.release(leaseId, "success", { outcome: "success", ended: "succeeded", ageMs, costUsd: 0 });
    }
    const { p50Ms } = await stub.health();
    // Histogram bins are within ±9% of the true value.
    expect(p50Ms).toBeGreaterThan(900);
    expect(p50Ms).toBeLessThan(1_100);
  });

  it("answers open during the cooldown, then half-open, and asking changes nothing", async () => {
    const stub = stubFor("openai");
    const leaseId = crypto.randomUUID();
    await stub.acquire({ leaseId, limits: { ...limits, cooldownMs: 200 } });
    await stub.release(leaseId, "retryable_failure");
    expect((await stub.health()).circuit).toBe("open");
    await scheduler.wait(250);
    expect((await stub.health()).circuit).toBe("half_open");
    expect((await stub.health()).circuit).toBe("half_open");
    // The probe is still free to take: health() did not take it.
    const probe = await stub.acquire({
      leaseId: crypto.randomUUID(),
      limits: { ...limits, cooldownMs: 200 },
    });
    expect(probe).toMatchObject({ granted: true, probe: true });
    expect((await stub.health()).circuit).toBe("open");
  });
});
