// Budgets in the consumer: at a job's end its reservation in the instance's Budget object is
// settled with the job's actual cost (0 when it failed or was dead-lettered); an instance without a
// budget is never settled (no Budget object call).
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { budgetOf } from "../../shared/budgets/object";
import { FakeAiBinding } from "../fakes/workers-ai-binding";
import { getProvider } from "../../shared/providers/registry";
import { seedJob, seedProject, seedTenant } from "../support/tenant";
import { deliverBatch, jobRow, messageFor, spyEnv } from "./helpers";

async function budgetedJob(
  limitUsd: number | null,
  overrides: Record<string, unknown> = {},
  status?: "canceled",
) {
  const tenant = await seedTenant(env.DB);
  if (limitUsd !== null)
    await env.DB.prepare("UPDATE instances SET monthly_budget_usd = ? WHERE id = ?")
      .bind(limitUsd, tenant.instanceId)
      .run();
  const job = await seedJob(env.DB, tenant, {
    status,
    overrides: { input: { prompt: "a budget test", aspect_ratio: "1x1", num_images: 1 }, ...overrides },
  });
  if (limitUsd !== null) {
    const held = { jobId: job.id, projectId: job.projectId, amountUsd: 0.5, limitUsd };
    expect(await budgetOf(env.BUDGET, job.instanceId).reserve(held)).toEqual({ ok: true });
  }
  return job;
}
const spendOf = async (instanceId: string) => (await budgetOf(env.BUDGET, instanceId).snapshot(10)).spend;

/** A BUDGET binding that records every use: an instance without a budget must not touch it. */
function recordingNamespace() {
  const uses: string[] = [];
  const refuse = () => {
    throw new Error("no budget object expected");
  };
  const namespace = new Proxy(
    {},
    {
      get: (_t, key) => {
        uses.push(String(key));
        return refuse;
      },
    },
  );
  return { namespace, uses };
}

describe("budget settlement in the consumer", () => {
  it("settles a succeeded job with its actual cost and frees its reservation", async () => {
    const job = await budgetedJob(10, { requestedProvider: "workers-ai" });
    const target = { ...spyEnv().env, AI: new FakeAiBinding() } as ConsumerEnv;
    await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], target);
    const after = await jobRow(job.id);
    expect(after.status, after.errorMessage ?? "").toBe("succeeded");
    expect(after.costUsd).toBeGreaterThan(0);
    expect(await spendOf(job.instanceId)).toMatchObject({
      spentUsd: after.costUsd,
      reservedUsd: 0,
      inFlight: 0,
    });
  });

  it("a failed job spends nothing and releases its reservation", async () => {
    const job = await budgetedJob(10, {
      input: { prompt: "nope [demo:fail=provider_safety_rejected]", aspect_ratio: "1x1", num_images: 1 },
    });
    await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], spyEnv().env);
    expect((await jobRow(job.id)).status).toBe("failed");
    expect(await spendOf(job.instanceId)).toMatchObject({ spentUsd: 0, reservedUsd: 0, inFlight: 0 });
  });

  it("a dead-lettered job releases its reservation", async () => {
    const job = await budgetedJob(10);
    const dead = { ...messageFor(job, 4), last_error: { code: "provider_rate_limited", message: "busy" } };
    await deliverBatch(env.JOBS_DLQ_NAME, [dead], spyEnv().env);
    expect((await jobRow(job.id)).status).toBe("dead_lettered");
    expect(await spendOf(job.instanceId)).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  it("a job canceled before it ran releases its reservation when its message arrives", async () => {
    const job = await budgetedJob(10, {}, "canceled");
    await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], spyEnv().env);
    expect(await spendOf(job.instanceId)).toMatchObject({ reservedUsd: 0 });
  });

  it("never calls a Budget object for an instance without a budget", async () => {
    const ok = await budgetedJob(null);
    const failing = await budgetedJob(null, {
      input: { prompt: "nope [demo:fail=provider_safety_rejected]", aspect_ratio: "1x1", num_images: 1 },
    });
    const { namespace, uses } = recordingNamespace();
    const target = { ...spyEnv().env, BUDGET: namespace } as unknown as ConsumerEnv;
    await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(ok), messageFor(failing)], target);
    expect((await jobRow(ok.id)).status).toBe("succeeded");
    expect((await jobRow(failing.id)).status).toBe("failed");
    expect(uses).toEqual([]);
  });
});

describe("budget.threshold_reached", () => {
  it("is sent once per threshold to each project webhook of the instance", async () => {
    const tenant = await seedTenant(env.DB);
    const second = await seedProject(env.DB, tenant);
    for (const id of [tenant.projectId, second.projectId])
      await env.DB.prepare("UPDATE projects SET webhook_url = ? WHERE id = ?")
        .bind(`https://hooks.example/${id}`, id)
        .run();
    const input = { prompt: "a budget test", aspect_ratio: "1x1" as const, num_images: 1 };
    const cost = getProvider("workers-ai").estimateCostUsd(input);
    const limitUsd = cost / 0.6; // one job: 60 % spent; two: 120 %
    await env.DB.prepare("UPDATE instances SET monthly_budget_usd = ? WHERE id = ?")
      .bind(limitUsd, tenant.instanceId)
      .run();
    const WEBHOOKS = { send: vi.fn(async () => {}) };
    const target = { ...spyEnv().env, AI: new FakeAiBinding(), WEBHOOKS } as unknown as ConsumerEnv;
    const thresholdEvents = async () =>
      (
        await env.DB.prepare(
          "SELECT id, project_id, body FROM webhook_events WHERE instance_id = ? AND type = 'budget.threshold_reached'",
        )
          .bind(tenant.instanceId)
          .all<{ id: string; project_id: string; body: string }>()
      ).results.map((r) => ({
        id: r.id,
        project: r.project_id,
        pct: JSON.parse(r.body).data.threshold_percent,
      }));

    for (let n = 0; n < 3; n++) {
      const job = await seedJob(env.DB, tenant, { overrides: { requestedProvider: "workers-ai", input } });
      const held = { jobId: job.id, projectId: job.projectId, amountUsd: 0, limitUsd };
      await budgetOf(env.BUDGET, tenant.instanceId).reserve(held);
      await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], target);
      expect((await jobRow(job.id)).status).toBe("succeeded");
    }
    const events = await thresholdEvents();
    expect(events.map((e) => e.pct).sort()).toEqual([100, 100, 50, 50, 80, 80]);
    expect(new Set(events.map((e) => e.project))).toEqual(new Set([tenant.projectId, second.projectId]));
    const sentIds = WEBHOOKS.send.mock.calls.map((c) => (c as unknown[])[0]) as { event_id: string }[];
    // Each event's delivery was enqueued (beside the jobs' own job.succeeded events).
    const ids = new Set(sentIds.map((m) => m.event_id));
    expect(events.filter((e) => ids.has(e.id))).toHaveLength(6);
  });
});
