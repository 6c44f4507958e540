import { createRoute } from "@hono/zod-openapi";
import { workflowStateOf } from "../../../shared/workflows/object";
import { WorkflowSchema } from "../../../shared/workflows/schemas";
import { serializeWorkflow } from "../../../shared/workflows/serialize";
import type { App } from "../app";
import { jobApiErrors, problemResponses } from "../problem";
import { tenantWorkflow, WorkflowIdParamSchema } from "../schemas/workflows";

export const getWorkflowRoute = createRoute({
  method: "get",
  path: "/v1/workflows/{id}",
  tags: ["workflows"],
  summary: "Get a workflow: counts of its jobs per status, done when every job has ended",
  request: { params: WorkflowIdParamSchema },
  responses: {
    200: { description: "The workflow", content: { "application/json": { schema: WorkflowSchema } } },
    ...problemResponses(...jobApiErrors, "workflow_not_found", "validation_failed"),
  },
});

export function registerGetWorkflow(app: App) {
  app.openapi(getWorkflowRoute, async (c) => {
    const workflow = await tenantWorkflow(c, c.req.valid("param").id);
    const view = await workflowStateOf(c.env.WORKFLOW_STATE, workflow.id).view();
    return c.json(serializeWorkflow(workflow, view), 200);
  });
}
