// The call metrics a TokenBucket keeps (consumers/src/metrics-store.ts) and a job run through the
// consumer showing up in GET /v1/admin/metrics's report (shared/metrics/service.ts), inside workerd.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { METRICS_FLUSH_MS, METRICS_RETENTION_MS } from "../../consumers/src/metrics-store";
import { bucketName } from "../../consumers/src/pacing";
import type { PacingLimits } from "../../consumers/src/pacing-types";
import { IDLE_TTL_MS } from "../../consumers/src/token-bucket";
import type { Caller } from "../../shared/db/queries/api-keys";
import type { CallReport } from "../../shared/metrics/calls";
import { instanceMetrics } from "../../shared/metrics/service";
import { windowRange } from "../../shared/metrics/window";
import { seedJob, seedTenant } from "../support/tenant";
import { deliverBatch, jobRow, messageFor, spyEnv, testDb } from "./helpers";

const limits: PacingLimits = { ratePerSecond: 100, burst: 100, maxInFlight: 100, leaseTtlMs: 60_000 };
const bucket = (name: string) => env.TOKEN_BUCKET.getByName(`instance:${name}:provider:demo`);
const success: CallReport = { outcome: "success", ended: "succeeded", ageMs: 3_000, costUsd: 0.04 };

async function pace(stub: ReturnType<typeof bucket>, report?: CallReport) {
  const leaseId = crypto.randomUUID();
  expect(await stub.acquire({ leaseId, limits })).toMatchObject({ granted: true });
  return stub.release(leaseId, report?.outcome ?? "success", report);
}

const tables = (stub: ReturnType<typeof bucket>) =>
  runInDurableObject(stub, (_, state) =>
    state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'",
      )
      .toArray()
      .map((r) => r.name)
      .sort(),
  );
const rowCounts = (stub: ReturnType<typeof bucket>) =>
  runInDurableObject(stub, (_, state) => ({
    minutes: state.storage.sql.exec("SELECT * FROM call_minutes").toArray().length,
    hours: state.storage.sql.exec("SELECT * FROM call_hours").toArray().length,
  }));
const hour = () => windowRange("hour", Date.now());
const sum = async (stub: ReturnType<typeof bucket>) =>
  (await stub.metrics(hour())).reduce(
    (a, b) => ({ requests: a.requests + b.requests, succeeded: a.succeeded + b.succeeded }),
    { requests: 0, succeeded: 0 },
  );

describe("TokenBucket call metrics", () => {
  // As in token-bucket.test.ts: fake time a day ahead, so no alarm of a test falls due on its own.
  const T0 = Math.ceil(Date.now() / 60_000) * 60_000 + 86_400_000;
  const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0 + 5_000);
  });
  afterEach(() => vi.useRealTimers());

  it("counts reported calls at once and writes one minute row and one hour row at the flush alarm", async () => {
    const stub = bucket(`flush-${crypto.randomUUID()}`);
    await pace(stub, success);
    const flushAt = Date.now() + METRICS_FLUSH_MS;
    expect(await runInDurableObject(stub, (_, s) => s.storage.getAlarm())).toBe(flushAt);
    advance(2_000);
    for (let i = 0; i < 9; i++) await pace(stub, success);
    // Later calls leave the pending flush where it is: no write, no alarm of their own.
    expect(await runInDurableObject(stub, (_, s) => s.storage.getAlarm())).toBe(flushAt);
    expect(await tables(stub)).not.toContain("call_minutes");
    expect(await sum(stub)).toEqual({ requests: 10, succeeded: 10 });

    advance(METRICS_FLUSH_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await rowCounts(stub)).toEqual({ minutes: 1, hours: 1 });
    // The idle check takes the alarm back.
    expect(await runInDurableObject(stub, (_, s) => s.storage.getAlarm())).toBeGreaterThan(Date.now());

    // Written: a fresh instance of the object still has them.
    await evictDurableObject(stub);
    expect(await sum(stub)).toEqual({ requests: 10, succeeded: 10 });
    await pace(stub, success);
    advance(METRICS_FLUSH_MS);
    await runDurableObjectAlarm(stub);
    expect(await rowCounts(stub)).toEqual({ minutes: 1, hours: 1 });
    expect(await sum(stub)).toEqual({ requests: 11, succeeded: 11 });
    // The week reads hour rows, the hour and the day minute rows: the same calls.
    const total = (buckets: { requests: number }[]) => buckets.reduce((n, b) => n + b.requests, 0);
    expect(total(await stub.metrics(windowRange("week", Date.now())))).toBe(11);
    expect(total(await stub.metrics(windowRange("day", Date.now())))).toBe(11);
  });

  it("counts nothing for a release without a report or of a lease already released", async () => {
    const stub = bucket(`none-${crypto.randomUUID()}`);
    await pace(stub);
    const leaseId = crypto.randomUUID();
    await stub.acquire({ leaseId, limits });
    expect(await stub.release(leaseId, "success", success)).toEqual({ released: true });
    expect(await stub.release(leaseId, "success", success)).toEqual({ released: false });
    expect(await sum(stub)).toEqual({ requests: 1, succeeded: 1 });
  });

  it("keeps the metrics when idle pacing state is deleted, and deletes everything once they expire", async () => {
    const stub = bucket(`idle-${crypto.randomUUID()}`);
    await pace(stub, success);
    advance(IDLE_TTL_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await tables(stub)).toEqual(["call_hours", "call_minutes"]);
    const expiry = await runInDurableObject(stub, (_, s) => s.storage.getAlarm());
    expect(expiry).toBe(Math.floor((T0 + 5_000) / 3_600_000) * 3_600_000 + METRICS_RETENTION_MS);
    expect((await stub.metrics(windowRange("day", Date.now()))).some((b) => b.requests === 1)).toBe(true);

    // Used again meanwhile: the idle check comes before the expiry.
    await pace(stub);
    expect(await runInDurableObject(stub, (_, s) => s.storage.getAlarm())).toBe(Date.now() + IDLE_TTL_MS);
    advance(IDLE_TTL_MS);
    await runDurableObjectAlarm(stub);
    expect(await tables(stub)).toEqual(["call_hours", "call_minutes"]);

    vi.setSystemTime(expiry!);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await tables(stub)).toEqual([]);
    expect(await runInDurableObject(stub, (_, s) => s.storage.getAlarm())).toBeNull();
  });

  it("answers a range that is not whole minutes with no buckets", async () => {
    const stub = bucket(`range-${crypto.randomUUID()}`);
    await pace(stub, success);
    const r = hour();
    expect(await stub.metrics(r)).toHaveLength(60);
    expect(await stub.metrics({ ...r, from: r.from + 1, to: r.to + 1 })).toEqual([]);
  });
});

describe("a job through the consumer", () => {
  it("shows up in the instance's metrics: succeeded, failed, time to terminal, spend", async () => {
    const t = await seedTenant(env.DB);
    const createdAt = Date.now() - 5_000;
    const good = await seedJob(env.DB, t, { createdAt });
    const bad = await seedJob(env.DB, t, {
      createdAt,
      overrides: {
        input: { prompt: "[demo:fail=provider_bad_request]", aspect_ratio: "1x1", num_images: 1 },
      },
    });
    const { env: target } = spyEnv();
    await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(good), messageFor(bad)], target);
    const [done, failed] = [await jobRow(good.id), await jobRow(bad.id)];
    expect(done.status).toBe("succeeded");
    expect(failed.status).toBe("failed");

    const superAdmin: Caller = {
      keyId: "key_test",
      keyPrefix: "gq_test",
      role: "super_admin",
      organizationId: t.organizationId,
      userId: null,
      instanceId: null,
      projectId: null,
      instanceAssigned: true,
    };
    const deps = {
      db: testDb,
      pacingObject: (instanceId: string, provider: string) =>
        env.TOKEN_BUCKET.getByName(bucketName(instanceId, provider)),
      now: Date.now(),
    };
    const m = await instanceMetrics(deps, superAdmin, t.instanceId, "hour");
    expect(m.totals).toMatchObject({
      jobs: 2,
      succeeded: 1,
      failed: 1,
      success_rate: 0.5,
      provider_errors: 1,
    });
    expect(m.totals.spend_usd).toBeCloseTo(done.costUsd!, 6);
    expect(done.costUsd).toBeGreaterThanOrEqual(0);
    // Both ended about 5 s after they were created: the histogram reads within 9%.
    expect(m.totals.p50_ms).toBeGreaterThan(5_000 * 0.9);
    expect(m.totals.p95_ms).toBeLessThan((Date.now() - createdAt) * 1.1);
    expect(m.providers.find((p) => p.provider === "demo")).toMatchObject({ requests: 2, errors: 1 });
    expect(m.series.reduce((n, b) => n + b.jobs, 0)).toBe(2);
  });
});
