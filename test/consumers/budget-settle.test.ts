// Budgets in the consumer: at a job's end its reservation in the instance's Budget object is
// settled with the job's actual cost (0 when it failed or was dead-lettered); an instance without a
// budget is never settled (no Budget object call).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { budgetOf } from "../../shared/budgets/object";
import { FakeAiBinding } from "../fakes/workers-ai-binding";
import { seedJob, seedTenant } from "../support/tenant";
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
