import { createRoute, z } from "@hono/zod-openapi";
import { workflowStateOf } from "../../../shared/workflows/object";
import { resumeAfter, versionStream } from "../../../shared/workflows/stream";
import type { App } from "../app";
import { jobApiErrors, problemResponses } from "../problem";
import { tenantWorkflow, WorkflowIdParamSchema } from "../schemas/workflows";

export const workflowStreamRoute = createRoute({
  method: "get",
  path: "/v1/workflows/{id}/stream",
  tags: ["workflows"],
  summary: "The workflow's versions as Server-Sent Events, live",
  description:
    "One `workflow.version` event per version (its `id` is the version number; `Last-Event-ID` resumes after it). The stream ends after the version that completes the workflow, or after 10 minutes.",
  request: {
    params: WorkflowIdParamSchema,
    headers: z.object({
      "last-event-id": z
        .string()
        .optional()
        .openapi({ description: "Resume after this version", example: "3" }),
    }),
    query: z.object({
      after: z.coerce.number().int().min(0).optional().openapi({
        description: "Versions after this one (when there is no Last-Event-ID); 0: from the first",
        example: 0,
      }),
    }),
  },
  responses: {
    200: {
      description: "An event stream; each `data` is a WorkflowVersion",
      content: { "text/event-stream": { schema: z.string() } },
    },
    ...problemResponses(...jobApiErrors, "workflow_not_found", "validation_failed"),
  },
});

export function registerWorkflowStream(app: App) {
  app.openapi(workflowStreamRoute, async (c) => {
    const workflow = await tenantWorkflow(c, c.req.valid("param").id);
    const after = resumeAfter(c.req.valid("header")["last-event-id"], c.req.valid("query").after);
    const stream = versionStream(workflowStateOf(c.env.WORKFLOW_STATE, workflow.id), after);
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        "x-request-id": c.get("requestId"),
      },
    });
  });
}
