import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../../../shared/errors";
import { WorkflowSnapshotSchema } from "../../../shared/workflows/schemas";
import { serializeSnapshot } from "../../../shared/workflows/serialize";
import { getSnapshot } from "../../../shared/workflows/snapshot";
import type { App } from "../app";
import { jobApiErrors, problemResponses } from "../problem";
import { SnapshotParamsSchema, tenantWorkflow } from "../schemas/workflows";

export const getWorkflowSnapshotRoute = createRoute({
  method: "get",
  path: "/v1/workflows/{id}/snapshots/{snapshot_id}",
  tags: ["workflows"],
  summary: "A snapshot of a workflow, with its jobs",
  request: { params: SnapshotParamsSchema },
  responses: {
    200: { description: "The snapshot", content: { "application/json": { schema: WorkflowSnapshotSchema } } },
    ...problemResponses(
      ...jobApiErrors,
      "workflow_not_found",
      "workflow_snapshot_not_found",
      "validation_failed",
    ),
  },
});

export function registerGetWorkflowSnapshot(app: App) {
  app.openapi(getWorkflowSnapshotRoute, async (c) => {
    const { id, snapshot_id } = c.req.valid("param");
    const workflow = await tenantWorkflow(c, id);
    const snapshot = await getSnapshot({ db: c.get("db"), bucket: c.env.IMAGES }, workflow, snapshot_id);
    if (!snapshot) throw new ApiError("workflow_snapshot_not_found", `No snapshot ${snapshot_id} of ${id}`);
    return c.json(serializeSnapshot(snapshot), 200);
  });
}
