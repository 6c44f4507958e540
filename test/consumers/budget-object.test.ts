import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RESERVATION_TTL_MS } from "../../shared/budgets/arithmetic";
import { budgetOf } from "../../shared/budgets/object";

// Fake time a day ahead of the real clock, as in token-bucket.test.ts (alarms fire on real time).
const T0 = Math.ceil(Date.now() / 1000) * 1000 + 86_400_000;
const budget = (instance: string) => budgetOf(env.BUDGET, instance);
const job = (n: number, amountUsd = 0.3) => ({
  jobId: `job_${n}`,
  projectId: "prj_a",
  amountUsd,
  limitUsd: 1,
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Budget object", () => {
  it("lets concurrent reservations fill the limit and no further", async () => {
    const stub = budget("concurrent");
    const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => stub.reserve(job(n))));
    expect(answers.filter((a) => a.ok)).toHaveLength(3);
    const { spend } = await stub.snapshot(1);
    expect(spend).toMatchObject({ spentUsd: 0, reservedUsd: 0.9, remainingUsd: 0.1, inFlight: 3 });
  });

  it("settles a job with its actual cost and keeps state across eviction", async () => {
    const stub = budget("settle");
    await stub.reserve(job(1));
    await stub.reserve(job(2));
    expect(await stub.settle({ jobId: "job_1", projectId: "prj_a", actualUsd: 0.25 })).toMatchObject({
      spentUsd: 0.25,
      crossed: [],
    });
    // A failed job: nothing spent, its reservation freed.
    await stub.settle({ jobId: "job_2", projectId: "prj_a", actualUsd: 0 });
    await evictDurableObject(stub);
    const again = budget("settle");
    expect((await again.snapshot(1)).spend).toMatchObject({ spentUsd: 0.25, reservedUsd: 0, inFlight: 0 });
  });

  it("reports each crossed threshold once", async () => {
    const stub = budget("thresholds");
    await stub.configure(1, { thresholds: [50, 80], projectLimitsUsd: {} });
    const spend = (n: number, usd: number) =>
      stub.settle({ jobId: `job_${n}`, projectId: "prj_a", actualUsd: usd }).then((a) => a.crossed);
    expect(await spend(1, 0.6)).toEqual([50]);
    expect(await spend(2, 0.1)).toEqual([]);
    expect(await spend(3, 0.2)).toEqual([80]);
    expect(await spend(4, 0.2)).toEqual([]);
  });

  it("its alarm drops expired reservations", async () => {
    const stub = budget("expiry");
    await stub.reserve(job(1, 0.9));
    expect(await stub.reserve(job(2))).toMatchObject({ ok: false, scope: "instance" });
    vi.setSystemTime(T0 + RESERVATION_TTL_MS + 1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, async (_instance, state) => {
      const stored = state.storage.kv.get<{ state: { reservations: unknown[] } }>("budget");
      expect(stored?.state.reservations).toEqual([]);
    });
    expect(await stub.reserve(job(2))).toEqual({ ok: true });
  });

  it("starts a new month with no spend", async () => {
    const stub = budget("rollover");
    await stub.settle({ jobId: "job_1", projectId: "prj_a", actualUsd: 0.5 });
    const d = new Date(T0);
    vi.setSystemTime(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1, 0, 0, 1));
    const { spend } = await stub.snapshot(1);
    expect(spend.spentUsd).toBe(0);
    expect(spend.month).not.toBe(new Date(T0).toISOString().slice(0, 7));
  });
});
