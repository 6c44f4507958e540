import { createRoute } from "@hono/zod-openapi";
import { WorkflowSnapshotSchema } from "../../../shared/workflows/schemas";
import { serializeSnapshot } from "../../../shared/workflows/serialize";
import { takeSnapshot } from "../../../shared/workflows/snapshot";
import type { App } from "../app";
import { bodyErrors, jobApiErrors, problemResponses } from "../problem";
import { tenantWorkflow, WorkflowIdParamSchema } from "../schemas/workflows";

export const createWorkflowSnapshotRoute = createRoute({
  method: "post",
  path: "/v1/workflows/{id}/snapshots",
  tags: ["workflows"],
  summary: "Snapshot a workflow: its jobs now, with their requests and outcomes",
  description: "Kept until the workflow is gone; `POST /v1/workflows/{id}/rerun` re-runs its failed jobs.",
  request: { params: WorkflowIdParamSchema },
  responses: {
    201: {
      description: "The snapshot",
      content: { "application/json": { schema: WorkflowSnapshotSchema } },
    },
    // No body is read, but the body middleware of every POST still answers a bad one.
    ...problemResponses(...bodyErrors, ...jobApiErrors, "workflow_not_found", "validation_failed"),
  },
});

export function registerCreateWorkflowSnapshot(app: App) {
  app.openapi(createWorkflowSnapshotRoute, async (c) => {
    const workflow = await tenantWorkflow(c, c.req.valid("param").id);
    const deps = { db: c.get("db"), bucket: c.env.IMAGES, states: c.env.WORKFLOW_STATE, now: Date.now() };
    const snapshot = await takeSnapshot(deps, workflow);
    return c.json(serializeSnapshot(snapshot), 201, {
      location: `/v1/workflows/${workflow.id}/snapshots/${snapshot.id}`,
    });
  });
}
