import { createRoute } from "@hono/zod-openapi";
import { serializeJob } from "../../../shared/jobs/serialize";
import { AddWorkflowJobsBodySchema, WorkflowSubmissionSchema } from "../../../shared/workflows/schemas";
import { serializeWorkflow } from "../../../shared/workflows/serialize";
import { addWorkflowJobs } from "../../../shared/workflows/submit";
import type { App } from "../app";
import { requireBody } from "../middleware/body";
import { jobApiErrors, jsonBodyErrors, problemResponses } from "../problem";
import { tenantWorkflow, WorkflowIdParamSchema, workflowDeps } from "../schemas/workflows";

export const addWorkflowJobsRoute = createRoute({
  method: "post",
  path: "/v1/workflows/{id}/jobs",
  tags: ["workflows"],
  summary: "Add jobs to a workflow (a done workflow becomes active again)",
  middleware: [requireBody] as const,
  request: {
    params: WorkflowIdParamSchema,
    body: { required: true, content: { "application/json": { schema: AddWorkflowJobsBodySchema } } },
  },
  responses: {
    202: {
      description: "Accepted; the jobs created are queued",
      content: { "application/json": { schema: WorkflowSubmissionSchema } },
    },
    ...problemResponses(...jsonBodyErrors, ...jobApiErrors, "workflow_not_found", "archived"),
  },
});

export function registerAddWorkflowJobs(app: App) {
  app.openapi(addWorkflowJobsRoute, async (c) => {
    const workflow = await tenantWorkflow(c, c.req.valid("param").id);
    const { jobs } = c.req.valid("json");
    const result = await addWorkflowJobs(workflowDeps(c, Date.now()), c.get("principal"), workflow, jobs);
    const answer = {
      workflow: serializeWorkflow(result.workflow, result.view),
      jobs: result.jobs.map((row) => serializeJob(row)),
      rejected: result.rejected,
    };
    return c.json(answer, 202);
  });
}
