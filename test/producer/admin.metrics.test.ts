// GET /v1/admin/metrics on the Workers runtime: each test seeds its own tenant, feeds the
// instance's pacing object the way the consumer does (acquire, then a release carrying the call's
// report), seeds dead letters and jobs in D1, and reads the report back over HTTP.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MetricsSchema } from "../../producer/src/routes/admin.metrics.get";
import { createDb } from "../../shared/db/client";
import { deadLetters, instances, providerLimits } from "../../shared/db/schema";
import { newId } from "../../shared/ids";
import type { CallReport } from "../../shared/metrics/calls";
import { minuteOf } from "../../shared/metrics/calls";
import type { MetricsReport } from "../../shared/metrics/report";
import { bucketName } from "../../shared/pacing/object-name";
import { seedJob, seedTenant } from "../support/tenant";
import { call, expectProblem, getInit } from "./helpers";
import { seedTenancy, type Tenancy } from "./tenancy-fixtures";

/** The TokenBucket RPC as the consumer uses it (the producer's binding is untyped: another Worker's class). */
interface PacingRpc {
  acquire(req: { leaseId: string; limits: Record<string, number> }): Promise<{ granted: boolean }>;
  release(leaseId: string, outcome: string, call?: CallReport): Promise<{ released: boolean }>;
}
const pacing = (instanceId: string, provider: string) =>
  (env.TOKEN_BUCKET as unknown as DurableObjectNamespace<PacingRpc & Rpc.DurableObjectBranded>).getByName(
    bucketName(instanceId, provider),
  );
const LIMITS = { ratePerSecond: 100, burst: 100, maxInFlight: 100 };

/** One paced provider call, reported on release as the consumer reports it. */
async function paceCall(instanceId: string, provider: string, report: CallReport) {
  const stub = pacing(instanceId, provider);
  const leaseId = crypto.randomUUID();
  expect(await stub.acquire({ leaseId, limits: LIMITS })).toMatchObject({ granted: true });
  expect(await stub.release(leaseId, report.outcome, report)).toEqual({ released: true });
}

const ok = (ageMs: number, costUsd: number): CallReport => ({
  outcome: "success",
  ended: "succeeded",
  ageMs,
  costUsd,
});

async function seedDeadLetter(t: Tenancy, createdAt: number) {
  const job = await seedJob(env.DB, t, { status: "dead_lettered", createdAt: createdAt - 60_000 });
  await createDb(env.DB)
    .insert(deadLetters)
    .values({
      id: newId("dl"),
      jobId: job.id,
      instanceId: t.instanceId,
      projectId: job.projectId,
      provider: "demo",
      errorCode: "provider_unavailable",
      errorMessage: "upstream 503",
      attempts: 3,
      message: { v: 1, kind: "job", job_id: job.id },
      createdAt,
    });
}

const metricsPath = (instanceId: string, window?: string) =>
  `/v1/admin/metrics?instance_id=${instanceId}${window ? `&window=${window}` : ""}`;

async function getMetrics(key: string, instanceId: string, window?: string): Promise<MetricsReport> {
  const res = await call(metricsPath(instanceId, window), getInit(key));
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const body = JSON.parse(text) as MetricsReport;
  // The documented schema is what the console codes against: the answer must match it exactly.
  expect(MetricsSchema.strict().safeParse(body).success, text).toBe(true);
  return body;
}

describe("GET /v1/admin/metrics", () => {
  it("reports the calls, dead letters and backlog of the window, in the bucket they happened", async () => {
    const t = await seedTenancy();
    const at = Date.now();
    await paceCall(t.instanceId, "demo", ok(1_200, 0.01));
    await paceCall(t.instanceId, "demo", ok(1_300, 0.02));
    await paceCall(t.instanceId, "ideogram", {
      outcome: "permanent_failure",
      ended: "failed",
      ageMs: 45_000,
      costUsd: 0,
    });
    await paceCall(t.instanceId, "ideogram", {
      outcome: "rate_limited",
      ended: null,
      ageMs: 500,
      costUsd: 0,
    });
    await seedDeadLetter(t, at);
    await seedJob(env.DB, t, { status: "queued" });
    await seedJob(env.DB, t, { status: "queued" });
    await seedJob(env.DB, t, { status: "succeeded" });
    await createDb(env.DB).insert(providerLimits).values({
      instanceId: t.instanceId,
      provider: "ideogram",
      ratePerSecond: 2,
      burst: 2,
      maxInFlight: 2,
      updatedAt: at,
    });

    const m = await getMetrics(t.keys.instanceAdmin, t.instanceId, "hour");
    expect(m).toMatchObject({ instance_id: t.instanceId, window: "hour", bucket_seconds: 60 });
    expect(m.series).toHaveLength(60);
    expect(Date.parse(m.to) - Date.parse(m.from)).toBe(3_600_000);
    const i = m.series.findIndex((b) => b.t === new Date(minuteOf(at)).toISOString());
    expect(i).toBeGreaterThanOrEqual(58);
    expect(m.series[i]).toMatchObject({
      jobs: 4,
      succeeded: 2,
      failed: 2,
      provider_errors: 1,
      rate_limited: 1,
      spend_usd: 0.03,
    });
    expect(m.series[i]!.p50_ms).toBeGreaterThan(1_100);
    expect(m.series[i]!.p50_ms).toBeLessThan(1_450);
    expect(m.series[i]!.p95_ms).toBeGreaterThan(41_000);
    expect(m.series[i]!.p95_ms).toBeLessThan(49_000);
    // Every other bucket is there, zero-filled.
    for (const [k, b] of m.series.entries())
      if (k !== i) expect(b).toMatchObject({ jobs: 0, provider_errors: 0, p50_ms: null, spend_usd: 0 });
    expect(m.totals).toMatchObject({
      jobs: 4,
      succeeded: 2,
      failed: 2,
      success_rate: 0.5,
      dead_letters: 1,
      queue_backlog: 2,
      provider_errors: 1,
      rate_limited: 1,
      spend_usd: 0.03,
    });
    const byName = Object.fromEntries(m.providers.map((p) => [p.provider, p]));
    expect(Object.keys(byName).sort()).toEqual([
      "demo",
      "ideogram",
      "openai",
      "openai-compatible",
      "replicate",
      "stability",
      "workers-ai",
    ]);
    expect(byName.demo).toMatchObject({ requests: 2, errors: 0, rate_limited: 0 });
    // The instance's own limit where it set one: 2 calls/s, 2 calls in an hour of 7,200.
    expect(byName.ideogram).toMatchObject({
      requests: 2,
      errors: 1,
      rate_limited: 1,
      limit_per_minute: 120,
      utilisation: 0.0003,
    });
    expect(byName.openai).toMatchObject({ requests: 0, utilisation: 0 });
    expect(byName.demo!.limit_per_minute).toBeGreaterThan(0);
    expect(byName.demo!.utilisation).toBeCloseTo(2 / (byName.demo!.limit_per_minute! * 60), 4);
  });

  it.each([
    ["day", 96, 900],
    ["week", 168, 3600],
  ] as const)("splits a %s into %i zero-filled buckets of %i s", async (window, buckets, seconds) => {
    const t = await seedTenancy();
    await paceCall(t.instanceId, "demo", ok(2_000, 0.04));
    const m = await getMetrics(t.keys.orgAdmin, t.instanceId, window);
    expect(m.bucket_seconds).toBe(seconds);
    expect(m.series).toHaveLength(buckets);
    expect(Date.parse(m.series[1]!.t) - Date.parse(m.series[0]!.t)).toBe(seconds * 1000);
    expect(m.series.filter((b) => b.jobs > 0)).toHaveLength(1);
    expect(m.totals).toMatchObject({ jobs: 1, succeeded: 1, spend_usd: 0.04 });
  });

  it("answers an instance with no activity with zeros and nulls, and defaults to the hour", async () => {
    const t = await seedTenancy();
    const m = await getMetrics(t.keys.superAdmin, t.instanceId);
    expect(m.window).toBe("hour");
    expect(m.series).toHaveLength(60);
    expect(m.series.every((b) => b.jobs === 0 && b.p95_ms === null)).toBe(true);
    expect(m.totals).toMatchObject({
      jobs: 0,
      success_rate: null,
      p50_ms: null,
      dead_letters: 0,
      queue_backlog: 0,
    });
  });

  it("keeps each instance's figures to itself", async () => {
    const a = await seedTenancy();
    const b = await seedTenancy();
    await paceCall(b.instanceId, "demo", ok(1_000, 0.5));
    const m = await getMetrics(a.keys.instanceAdmin, a.instanceId, "hour");
    expect(m.totals.jobs).toBe(0);
    expect(m.totals.spend_usd).toBe(0);
  });

  it("refuses user keys with 403", async () => {
    const t = await seedTenancy();
    for (const key of [t.keys.userKey, t.keys.serviceKey]) {
      await expectProblem(await call(metricsPath(t.instanceId), getInit(key)), 403, "forbidden");
    }
  });

  it("returns 404 for another organization's instance, and for another instance than an instance key's", async () => {
    const t = await seedTenancy();
    const other = await seedTenant(env.DB);
    for (const key of [t.keys.orgAdmin, t.keys.instanceAdmin]) {
      await expectProblem(await call(metricsPath(other.instanceId), getInit(key)), 404, "instance_not_found");
    }
    const sibling = newId("ins");
    await createDb(env.DB)
      .insert(instances)
      .values({ id: sibling, organizationId: t.organizationId, name: "sibling", createdAt: Date.now() });
    await getMetrics(t.keys.orgAdmin, sibling);
    await expectProblem(
      await call(metricsPath(sibling), getInit(t.keys.instanceAdmin)),
      404,
      "instance_not_found",
    );
    await expectProblem(
      await call(metricsPath("ins_doesnotexist"), getInit(t.keys.superAdmin)),
      404,
      "instance_not_found",
    );
  });

  it("answers a bad window or a missing instance with a 400 problem", async () => {
    const t = await seedTenancy();
    const bad = await expectProblem(
      await call(metricsPath(t.instanceId, "month"), getInit(t.keys.orgAdmin)),
      400,
      "validation_failed",
    );
    expect(bad.errors?.[0]?.path).toContain("window");
    await expectProblem(await call("/v1/admin/metrics", getInit(t.keys.orgAdmin)), 400, "validation_failed");
    await expectProblem(await call(metricsPath(t.instanceId), {}), 401, "unauthorized");
  });
});
