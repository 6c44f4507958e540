// GET /health on the Workers runtime, and the checks behind it (shared/health.ts) with failing
// and hanging components injected.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/db/client";
import { checkHealth, HealthCache, type HealthDeps, type HealthReport } from "../../shared/health";
import { seedJob, seedTenant } from "../support/tenant";
import { call } from "./helpers";

const db = createDb(env.DB);

function deps(extra: Partial<HealthDeps> = {}): HealthDeps {
  return {
    db,
    images: env.IMAGES,
    queues: { jobs_queue: env.JOBS },
    objects: {},
    now: Date.now,
    ...extra,
  };
}

describe("GET /health", () => {
  it("reports every component with its latency, and the backlog", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as HealthReport;
    expect(body.status).toBe("ok");
    expect(Object.keys(body.checks).sort()).toEqual(
      ["budget", "d1", "jobs_queue", "r2", "token_bucket", "webhooks_queue"].sort(),
    );
    for (const check of Object.values(body.checks)) {
      expect(check.ok).toBe(true);
      expect(check.latency_ms).toBeGreaterThanOrEqual(0);
    }
    expect(body.backlog).toMatchObject({ capped: false });
  });
});

describe("checkHealth", () => {
  it("counts queued jobs and the oldest one's age from D1", async () => {
    const tenant = await seedTenant(env.DB);
    const now = Date.now();
    const before = (await checkHealth(deps({ now: () => now }))).backlog!;
    await seedJob(env.DB, tenant, { status: "queued", createdAt: now - 3_600_000 });
    await seedJob(env.DB, tenant, { status: "queued", createdAt: now - 60_000 });
    await seedJob(env.DB, tenant, { status: "succeeded", createdAt: now - 7_200_000 });
    const after = (await checkHealth(deps({ now: () => now }))).backlog!;
    expect(after.queued - before.queued).toBe(2);
    expect(after.scanned_jobs - before.scanned_jobs).toBe(3);
    expect(after.oldest_queued_age_seconds).toBeGreaterThanOrEqual(3600);
  });

  it("is degraded, naming the component, when one fails or does not answer in time", async () => {
    const report = await checkHealth(
      deps({
        queues: { jobs_queue: env.JOBS, webhooks_queue: undefined },
        objects: {
          broken: async () => {
            throw new Error("object unreachable");
          },
          stuck: () => new Promise(() => {}),
          fine: async () => "ok",
        },
        timeoutMs: 50,
      }),
    );
    expect(report.status).toBe("degraded");
    expect(report.checks.broken).toMatchObject({ ok: false, error: "object unreachable" });
    expect(report.checks.stuck).toMatchObject({ ok: false, error: "no answer within 50 ms" });
    expect(report.checks.webhooks_queue).toMatchObject({ ok: false, error: "queue binding missing" });
    expect(report.checks.fine!.ok).toBe(true);
    expect(report.checks.d1!.ok).toBe(true);
  });

  it("has no backlog when D1 does not answer", async () => {
    const failing = { get: async () => Promise.reject(new Error("D1 down")) } as unknown as HealthDeps["db"];
    const report = await checkHealth(deps({ db: failing }));
    expect(report.checks.d1).toMatchObject({ ok: false, error: "D1 down" });
    expect(report.backlog).toBeNull();
  });

  it("answers polls within the cache time with the report it made last", async () => {
    const cache = new HealthCache(10_000);
    let rounds = 0;
    const check = async () => {
      rounds++;
      return checkHealth(deps());
    };
    await cache.get(0, check);
    await cache.get(9_999, check);
    expect(rounds).toBe(1);
    await cache.get(10_000, check);
    expect(rounds).toBe(2);
  });

  it("keeps a degraded report only a second, so a recovery shows at the next poll", async () => {
    const cache = new HealthCache(10_000, 1_000);
    let rounds = 0;
    const degraded = async () => {
      rounds++;
      return checkHealth(deps({ queues: { jobs_queue: undefined } }));
    };
    expect((await cache.get(0, degraded)).status).toBe("degraded");
    await cache.get(999, degraded);
    expect(rounds).toBe(1);
    await cache.get(1_000, degraded);
    expect(rounds).toBe(2);
  });
});
