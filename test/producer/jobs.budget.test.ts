// POST /v1/jobs against a monthly budget: each job's worst-case estimate is reserved in the
// instance's Budget object before the job is written; past the limit the answer is 402
// budget_exceeded and nothing is written. An instance without a budget never calls the object.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { worstCaseEstimateUsd } from "../../shared/budgets/enqueue";
import { budgetOf } from "../../shared/budgets/object";
import type { CreateJobBody } from "../../shared/jobs/schemas";
import { authHeaders, seedProject, seedTenant } from "../support/tenant";
import { call, callWith, countJobs, expectProblem, jobBody, postInit, queueSpy } from "./helpers";

const body = jobBody();
const estimate = worstCaseEstimateUsd({
  input: { prompt: "x", num_images: 1, aspect_ratio: "1x1" },
} as CreateJobBody);

async function budgeted(limitUsd: number, projectLimits: Record<string, number> = {}) {
  const t = await seedTenant(env.DB);
  const res = await call("/v1/admin/budget", {
    method: "PUT",
    headers: { ...authHeaders(t.adminKey), "content-type": "application/json" },
    body: JSON.stringify({ monthly_limit_usd: limitUsd, project_limits_usd: projectLimits }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return t;
}
const spend = async (instanceId: string, limit: number) =>
  (await budgetOf(env.BUDGET, instanceId).snapshot(limit)).spend;

describe("budgets at enqueue", () => {
  it("the estimate is a real price (the checks below mean something)", () => {
    expect(estimate).toBeGreaterThan(0);
  });

  it("concurrent enqueues near the limit never hold more than the limit", async () => {
    const limit = estimate * 3.5;
    const t = await budgeted(limit);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => call("/v1/jobs", postInit(t.userKey, body))),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([202, 202, 202, 402, 402, 402, 402, 402]);
    expect(await countJobs(t.instanceId)).toBe(3);
    const held = await spend(t.instanceId, limit);
    expect(held.inFlight).toBe(3);
    expect(held.spentUsd + held.reservedUsd).toBeLessThanOrEqual(limit);
  });

  it("answers 402 budget_exceeded as problem+json and writes no job", async () => {
    const t = await budgeted(estimate / 2);
    const problem = await expectProblem(
      await call("/v1/jobs", postInit(t.userKey, body)),
      402,
      "budget_exceeded",
    );
    expect(problem.detail).toContain("monthly budget");
    expect(await countJobs(t.instanceId)).toBe(0);
  });

  it("refuses past a project's own limit while other projects still enqueue", async () => {
    const t = await budgeted(100);
    const other = await seedProject(env.DB, t);
    const put = await call("/v1/admin/budget", {
      method: "PUT",
      headers: { ...authHeaders(t.adminKey), "content-type": "application/json" },
      body: JSON.stringify({ monthly_limit_usd: 100, project_limits_usd: { [t.projectId!]: estimate / 2 } }),
    });
    expect(put.status).toBe(200);
    await expectProblem(await call("/v1/jobs", postInit(t.userKey, body)), 402, "budget_exceeded");
    expect((await call("/v1/jobs", postInit(other.userKey, body))).status).toBe(202);
  });

  it("gives the reservation back when the queue refuses the job", async () => {
    const limit = estimate * 10;
    const t = await budgeted(limit);
    const res = await callWith({ JOBS: queueSpy("fail").queue }, "/v1/jobs", postInit(t.userKey, body));
    await expectProblem(res, 503, "queue_unavailable");
    expect(await spend(t.instanceId, limit)).toMatchObject({ reservedUsd: 0, inFlight: 0 });
  });

  it("never calls a Budget object for an instance without a budget", async () => {
    const t = await seedTenant(env.DB);
    const uses: string[] = [];
    const BUDGET = new Proxy({}, { get: (_t, key) => void uses.push(String(key)) }) as DurableObjectNamespace;
    const res = await callWith({ BUDGET }, "/v1/jobs", postInit(t.userKey, body));
    expect(res.status, await res.clone().text()).toBe(202);
    expect(uses).toEqual([]);
  });
});
