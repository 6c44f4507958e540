// GET/PUT /v1/admin/budget: an instance's monthly budget and its spend. The limit is the instance's
// `monthly_budget_usd` column (also set by instance create/PATCH), so the producer learns it with
// the API key at no extra cost per job; thresholds and project limits are kept by the instance's
// Budget object, beside the spend they apply to. Every change is audited.
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { instances, projects } from "../db/schema";
import { ApiError } from "../errors";
import { type ChangeContext, auditInsert } from "../tenancy/audit";
import { budgetOf, type BudgetSnapshot } from "./object";
import type { BudgetSettings } from "./settings";

/** A budget as the API shows it. */
export interface BudgetView {
  object: "budget";
  instance_id: string;
  month: string;
  monthly_limit_usd: number | null;
  thresholds: number[];
  project_limits_usd: Record<string, number>;
  spent_usd: number;
  reserved_usd: number;
  remaining_usd: number | null;
  jobs_in_flight: number;
  projects: { project_id: string; spent_usd: number; reserved_usd: number; limit_usd: number | null }[];
}

export interface BudgetInput {
  monthly_limit_usd: number | null;
  thresholds: number[];
  project_limits_usd: Record<string, number>;
}

export function budgetView(instanceId: string, snap: BudgetSnapshot): BudgetView {
  const { spend, settings } = snap;
  return {
    object: "budget",
    instance_id: instanceId,
    month: spend.month,
    monthly_limit_usd: snap.limitUsd,
    thresholds: settings.thresholds,
    project_limits_usd: settings.projectLimitsUsd,
    spent_usd: spend.spentUsd,
    reserved_usd: spend.reservedUsd,
    remaining_usd: spend.remainingUsd,
    jobs_in_flight: spend.inFlight,
    projects: spend.projects.map((p) => ({
      project_id: p.projectId,
      spent_usd: p.spentUsd,
      reserved_usd: p.reservedUsd,
      limit_usd: p.limitUsd,
    })),
  };
}

async function storedLimit(db: Db, instanceId: string): Promise<number | null> {
  const row = await db
    .select({ limit: instances.monthlyBudgetUsd })
    .from(instances)
    .where(eq(instances.id, instanceId))
    .get();
  if (!row) throw new ApiError("instance_not_found", `No instance ${instanceId}`);
  return row.limit;
}

export async function getBudget(db: Db, namespace: unknown, instanceId: string): Promise<BudgetView> {
  const limit = await storedLimit(db, instanceId);
  return budgetView(instanceId, await budgetOf(namespace, instanceId).snapshot(limit));
}

/**
 * Writes the limit to D1 with its audit record, then the thresholds and project limits to the
 * object. A failure between the two leaves the new limit with the old thresholds: the PUT answers
 * an error and may simply be sent again.
 */
export async function putBudget(
  ctx: ChangeContext,
  namespace: unknown,
  instanceId: string,
  input: BudgetInput,
): Promise<BudgetView> {
  const { db } = ctx;
  const projectIds = Object.keys(input.project_limits_usd);
  if (projectIds.length > 0) {
    const found = await db
      .select({ id: projects.id })
      .from(projects)
      .where(and(eq(projects.instanceId, instanceId), inArray(projects.id, projectIds)))
      .all();
    const known = new Set(found.map((p) => p.id));
    const unknown = projectIds.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new ApiError(
        "validation_failed",
        "project_limits_usd names projects of another instance",
        unknown.map((id) => ({ path: `project_limits_usd.${id}`, message: "unknown project" })),
      );
    }
  }
  const object = budgetOf(namespace, instanceId);
  const before = budgetView(instanceId, await object.snapshot(await storedLimit(db, instanceId)));
  const settings: BudgetSettings = {
    thresholds: [...new Set(input.thresholds)].sort((a, b) => a - b),
    projectLimitsUsd: input.project_limits_usd,
  };
  const audited = (v: BudgetView) => ({
    instance_id: instanceId,
    monthly_limit_usd: v.monthly_limit_usd,
    thresholds: v.thresholds,
    project_limits_usd: v.project_limits_usd,
  });
  const after = { ...before, monthly_limit_usd: input.monthly_limit_usd, thresholds: settings.thresholds };
  await db.batch([
    db
      .update(instances)
      .set({ monthlyBudgetUsd: input.monthly_limit_usd })
      .where(eq(instances.id, instanceId)),
    auditInsert(ctx, {
      organizationId: ctx.caller.organizationId,
      action: "budget.update",
      resourceType: "budget",
      resourceId: instanceId,
      before: audited(before),
      after: audited({ ...after, project_limits_usd: input.project_limits_usd }),
    }),
  ]);
  return budgetView(instanceId, await object.configure(input.monthly_limit_usd, settings));
}
