import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../../../shared/errors";
import { serializeJob } from "../../../shared/jobs/serialize";
import { rerunFailed } from "../../../shared/workflows/rerun";
import { RerunWorkflowBodySchema, WorkflowRerunSchema } from "../../../shared/workflows/schemas";
import { serializeWorkflow } from "../../../shared/workflows/serialize";
import { getSnapshot, takeSnapshot } from "../../../shared/workflows/snapshot";
import type { App } from "../app";
import { requireBody } from "../middleware/body";
import { jobApiErrors, jsonBodyErrors, problemResponses } from "../problem";
import { tenantWorkflow, WorkflowIdParamSchema, workflowDeps } from "../schemas/workflows";

export const rerunWorkflowRoute = createRoute({
  method: "post",
  path: "/v1/workflows/{id}/rerun",
  tags: ["workflows"],
  summary: "Re-run a snapshot's failed jobs as new jobs of the workflow",
  description:
    "Failed and dead-lettered jobs of the snapshot (a new one when `snapshot_id` is omitted) are submitted again with the same request; the old jobs stay as they ended.",
  middleware: [requireBody] as const,
  request: {
    params: WorkflowIdParamSchema,
    body: { required: true, content: { "application/json": { schema: RerunWorkflowBodySchema } } },
  },
  responses: {
    202: {
      description: "The new jobs are queued",
      content: { "application/json": { schema: WorkflowRerunSchema } },
    },
    ...problemResponses(
      ...jsonBodyErrors,
      ...jobApiErrors,
      "workflow_not_found",
      "workflow_snapshot_not_found",
      "archived",
    ),
  },
});

export function registerRerunWorkflow(app: App) {
  app.openapi(rerunWorkflowRoute, async (c) => {
    const workflow = await tenantWorkflow(c, c.req.valid("param").id);
    const { snapshot_id } = c.req.valid("json");
    const deps = workflowDeps(c, Date.now());
    const store = { db: deps.db, bucket: c.env.IMAGES, states: deps.states, now: deps.now };
    const snapshot = snapshot_id
      ? await getSnapshot(store, workflow, snapshot_id)
      : await takeSnapshot(store, workflow);
    if (!snapshot)
      throw new ApiError("workflow_snapshot_not_found", `No snapshot ${snapshot_id} of ${workflow.id}`);
    const result = await rerunFailed(deps, c.get("principal"), workflow, snapshot);
    const answer = {
      workflow: serializeWorkflow(result.workflow, result.view),
      jobs: result.jobs.map((row) => serializeJob(row)),
      rejected: result.rejected,
      snapshot_id: result.snapshotId,
      replaces: result.replaces,
      skipped: result.skipped,
    };
    return c.json(answer, 202);
  });
}
