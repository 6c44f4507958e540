import { createRoute, z } from "@hono/zod-openapi";
import { workflowStateOf } from "../../../shared/workflows/object";
import { WorkflowHistorySchema } from "../../../shared/workflows/schemas";
import { serializeVersion } from "../../../shared/workflows/serialize";
import type { App } from "../app";
import { jobApiErrors, problemResponses } from "../problem";
import { tenantWorkflow, WorkflowIdParamSchema } from "../schemas/workflows";

const HistoryQuerySchema = z.object({
  after: z.coerce.number().int().min(0).default(0).openapi({
    description: "Versions after this one (0: from the first)",
    example: 0,
  }),
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ example: 50 }),
});

export const workflowHistoryRoute = createRoute({
  method: "get",
  path: "/v1/workflows/{id}/history",
  tags: ["workflows"],
  summary: "The workflow's numbered versions, oldest first: one per jobs added, job ended or reopened",
  request: { params: WorkflowIdParamSchema, query: HistoryQuerySchema },
  responses: {
    200: { description: "Its versions", content: { "application/json": { schema: WorkflowHistorySchema } } },
    ...problemResponses(...jobApiErrors, "workflow_not_found", "validation_failed"),
  },
});

export function registerWorkflowHistory(app: App) {
  app.openapi(workflowHistoryRoute, async (c) => {
    const workflow = await tenantWorkflow(c, c.req.valid("param").id);
    const { after, limit } = c.req.valid("query");
    // One more than asked says whether a next page exists.
    const versions = await workflowStateOf(c.env.WORKFLOW_STATE, workflow.id).history(after, limit + 1);
    const page = versions.slice(0, limit);
    const next = versions.length > limit ? (page.at(-1)?.version ?? null) : null;
    return c.json(
      {
        object: "list" as const,
        workflow_id: workflow.id,
        data: page.map(serializeVersion),
        next_after: next,
      },
      200,
    );
  });
}
