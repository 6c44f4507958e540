import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../../../shared/errors";
import { getJobWithArchive } from "../../../shared/jobs/archive-read";
import { jobApiErrors, problemResponses } from "../problem";
import { JobEventListSchema } from "../../../shared/jobs/schemas";
import { JobIdParamSchema } from "../schemas/jobs";
import { serializeEvent } from "../../../shared/jobs/serialize";
import type { App } from "../app";

export const jobEventsRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/events",
  tags: ["jobs"],
  summary: "The job's numbered history, oldest first",
  request: { params: JobIdParamSchema },
  responses: {
    200: {
      description: "Every state change of the job",
      content: { "application/json": { schema: JobEventListSchema } },
    },
    // 503: the job is archived and R2 did not answer.
    ...problemResponses(...jobApiErrors, "job_not_found", "validation_failed", "service_unavailable"),
  },
});

export function registerJobEvents(app: App) {
  app.openapi(jobEventsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const db = c.get("db");
    const job = await getJobWithArchive(db, c.env.IMAGES, c.get("principal"), id);
    if (!job) throw new ApiError("job_not_found", `No job ${id}`);
    return c.json({ object: "list" as const, job_id: id, data: job.events.map(serializeEvent) }, 200);
  });
}
