import { createRoute } from "@hono/zod-openapi";
import { serializeJob } from "../../../shared/jobs/serialize";
import { CreateWorkflowBodySchema, WorkflowSubmissionSchema } from "../../../shared/workflows/schemas";
import { serializeWorkflow } from "../../../shared/workflows/serialize";
import { createWorkflow } from "../../../shared/workflows/submit";
import type { App } from "../app";
import { requireBody } from "../middleware/body";
import { jobApiErrors, jsonBodyErrors, problemResponses } from "../problem";
import { workflowDeps } from "../schemas/workflows";

export const createWorkflowRoute = createRoute({
  method: "post",
  path: "/v1/workflows",
  tags: ["workflows"],
  summary: "Create a workflow: a named group of jobs, submitted together or added later",
  description:
    "Each item of `jobs` is created exactly as `POST /v1/jobs` would create it; an item refused (e.g. `budget_exceeded`) is listed in `rejected` and the others go ahead.",
  middleware: [requireBody] as const,
  request: {
    body: { required: true, content: { "application/json": { schema: CreateWorkflowBodySchema } } },
  },
  responses: {
    201: {
      description: "Created; its jobs are queued",
      content: { "application/json": { schema: WorkflowSubmissionSchema } },
    },
    ...problemResponses(...jsonBodyErrors, ...jobApiErrors, "webhook_url_invalid", "archived"),
  },
});

export function registerCreateWorkflow(app: App) {
  app.openapi(createWorkflowRoute, async (c) => {
    const body = c.req.valid("json");
    const result = await createWorkflow(workflowDeps(c, Date.now()), c.get("principal"), body);
    const answer = {
      workflow: serializeWorkflow(result.workflow, result.view),
      jobs: result.jobs.map((row) => serializeJob(row)),
      rejected: result.rejected,
    };
    return c.json(answer, 201, { location: `/v1/workflows/${result.workflow.id}` });
  });
}
