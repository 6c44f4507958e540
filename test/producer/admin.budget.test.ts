// GET/PUT /v1/admin/budget: an instance's monthly budget (limit in D1, thresholds and project limits
// in its Budget object), the spend visible, audited, admin keys of an instance only.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { budgetOf } from "../../shared/budgets/object";
import { authHeaders, seedProject, seedTenant } from "../support/tenant";
import { call, expectProblem, rows } from "./helpers";

const PATH = "/v1/admin/budget";
const put = (key: string, body: unknown) =>
  call(PATH, {
    method: "PUT",
    headers: { ...authHeaders(key), "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("admin budget", () => {
  it("shows no budget and no spend for a new instance", async () => {
    const t = await seedTenant(env.DB);
    const res = await call(PATH, { headers: authHeaders(t.adminKey) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      object: "budget",
      instance_id: t.instanceId,
      monthly_limit_usd: null,
      thresholds: [50, 80, 100],
      spent_usd: 0,
      reserved_usd: 0,
      remaining_usd: null,
      jobs_in_flight: 0,
    });
  });

  it("stores the limit on the instance, the thresholds and project limits, and audits the change", async () => {
    const t = await seedTenant(env.DB);
    const res = await put(t.adminKey, {
      monthly_limit_usd: 10,
      thresholds: [90, 50, 50],
      project_limits_usd: { [t.projectId!]: 2 },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({
      monthly_limit_usd: 10,
      thresholds: [50, 90],
      project_limits_usd: { [t.projectId!]: 2 },
      remaining_usd: 10,
      projects: [{ project_id: t.projectId, spent_usd: 0, reserved_usd: 0, limit_usd: 2 }],
    });
    const [instance] = await rows<{ monthly_budget_usd: number }>(
      "SELECT monthly_budget_usd FROM instances WHERE id = ?",
      t.instanceId,
    );
    expect(instance?.monthly_budget_usd).toBe(10);
    const audit = await rows<{ action: string; after: string }>(
      "SELECT action, after FROM audit_log WHERE resource_id = ? AND action = 'budget.update'",
      t.instanceId,
    );
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]?.after ?? "null")).toMatchObject({
      monthly_limit_usd: 10,
      thresholds: [50, 90],
    });
  });

  it("shows spend and reservations from the instance's Budget object", async () => {
    const t = await seedTenant(env.DB);
    await put(t.adminKey, { monthly_limit_usd: 5 });
    const object = budgetOf(env.BUDGET, t.instanceId);
    await object.reserve({ jobId: "job_a", projectId: t.projectId!, amountUsd: 0.5, limitUsd: 5 });
    await object.reserve({ jobId: "job_b", projectId: t.projectId!, amountUsd: 0.5, limitUsd: 5 });
    await object.settle({ jobId: "job_a", projectId: t.projectId!, actualUsd: 0.4 });
    const res = await call(PATH, { headers: authHeaders(t.adminKey) });
    expect(await res.json()).toMatchObject({
      spent_usd: 0.4,
      reserved_usd: 0.5,
      remaining_usd: 4.1,
      jobs_in_flight: 1,
      month: new Date().toISOString().slice(0, 7),
    });
  });

  it("refuses a project limit for a project of another instance", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedTenant(env.DB);
    const res = await put(t.adminKey, {
      monthly_limit_usd: 5,
      project_limits_usd: { [other.projectId!]: 1 },
    });
    await expectProblem(res, 400, "validation_failed");
    const mine = await seedProject(env.DB, t);
    expect(
      (await put(t.adminKey, { monthly_limit_usd: 5, project_limits_usd: { [mine.projectId]: 1 } })).status,
    ).toBe(200);
  });

  it("removes the budget with a null limit", async () => {
    const t = await seedTenant(env.DB);
    await put(t.adminKey, { monthly_limit_usd: 5 });
    const res = await put(t.adminKey, { monthly_limit_usd: null });
    expect(await res.json()).toMatchObject({ monthly_limit_usd: null, remaining_usd: null });
  });

  it("is refused to a user key", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(await call(PATH, { headers: authHeaders(t.userKey) }), 403, "forbidden");
    await expectProblem(await put(t.userKey, { monthly_limit_usd: 1 }), 403, "forbidden");
  });
});
