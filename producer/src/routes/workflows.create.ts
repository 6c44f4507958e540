import { createRoute, z } from "@hono/zod-openapi";
import { serializeJob } from "../../../shared/jobs/serialize";
import { createOnce } from "../../../shared/workflows/idempotent";
import {
  CreateWorkflowBodySchema,
  type WorkflowSubmission,
  WorkflowSubmissionSchema,
} from "../../../shared/workflows/schemas";
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
    headers: z.object({
      "idempotency-key": z.string().optional().openapi({
        description: "Retry safely: the same key and body return the first answer and create nothing",
        example: "catalog-2026-12",
      }),
    }),
    body: { required: true, content: { "application/json": { schema: CreateWorkflowBodySchema } } },
  },
  responses: {
    201: {
      description: "Created; its jobs are queued",
      headers: z.object({
        location: z.string().openapi({ example: "/v1/workflows/wf_0a1b2c3d4e5f6g7h8i9j" }),
        "idempotent-replayed": z.literal("true").optional().openapi({
          description: "On a replay: the body is the first answer, not the current state",
        }),
      }),
      content: { "application/json": { schema: WorkflowSubmissionSchema } },
    },
    ...problemResponses(
      ...jsonBodyErrors,
      ...jobApiErrors,
      "idempotency_key_invalid",
      "idempotency_key_reused",
      "idempotency_key_in_progress",
      "webhook_url_invalid",
      "archived",
    ),
  },
});

export function registerCreateWorkflow(app: App) {
  app.openapi(createWorkflowRoute, async (c) => {
    const body = c.req.valid("json");
    const principal = c.get("principal");
    const deps = workflowDeps(c, Date.now());
    const once = await createOnce<WorkflowSubmission>(
      { db: deps.db, apiKeyId: principal.keyId, now: deps.now },
      c.req.header("idempotency-key"),
      body,
      async () => {
        const result = await createWorkflow(deps, principal, body);
        const answer = {
          workflow: serializeWorkflow(result.workflow, result.view),
          jobs: result.jobs.map((row) => serializeJob(row)),
          rejected: result.rejected,
        };
        return { id: result.workflow.id, body: answer };
      },
    );
    const location = `/v1/workflows/${once.id ?? once.body.workflow.id}`;
    const headers: Record<string, string> = once.replayed
      ? { location, "idempotent-replayed": "true" }
      : { location };
    return c.json(once.body, 201, headers);
  });
}
