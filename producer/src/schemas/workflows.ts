// What the workflow routes share that only HTTP knows: path parameters, the submission deps built
// from the request, and the tenant's workflow (404 when it is another's).
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { isLocal } from "../../../shared/config";
import { ApiError } from "../../../shared/errors";
import { getWorkflowForScope, type WorkflowDeps, type WorkflowRow } from "../../../shared/workflows/submit";
import type { AppEnv } from "../env";

export const WorkflowIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "wf_0a1b2c3d4e5f6g7h8i9j" }),
});

export const SnapshotParamsSchema = WorkflowIdParamSchema.extend({
  snapshot_id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "snapshot_id", in: "path" }, example: "wfs_0a1b2c3d4e5f6g7h8i9j" }),
});

/** The deps of createJob, as POST /v1/jobs builds them, plus the workflows' objects. */
export function workflowDeps(c: Context<AppEnv>, now: number): WorkflowDeps {
  const principal = c.get("principal");
  return {
    db: c.get("db"),
    queue: c.env.JOBS,
    now,
    requestId: c.get("requestId"),
    allowLocalWebhooks: isLocal(c.env),
    states: c.env.WORKFLOW_STATE,
    // Only an instance with a budget pays for the check (its limit comes with the API key).
    ...(principal.monthlyBudgetUsd != null && {
      budget: { namespace: c.env.BUDGET, limitUsd: principal.monthlyBudgetUsd },
    }),
  };
}

export async function tenantWorkflow(c: Context<AppEnv>, id: string): Promise<WorkflowRow> {
  const workflow = await getWorkflowForScope(c.get("db"), c.get("principal"), id);
  if (!workflow) throw new ApiError("workflow_not_found", `No workflow ${id}`);
  return workflow;
}
