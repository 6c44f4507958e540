import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../../../shared/errors";
import { getJobWithArchive } from "../../../shared/jobs/archive-read";
import { jobApiErrors, problemResponses } from "../problem";
import { JobSchema } from "../../../shared/jobs/schemas";
import { JobIdParamSchema } from "../schemas/jobs";
import { serializeJob } from "../../../shared/jobs/serialize";
import { signedUrlsForJobs } from "../../../shared/images/job-urls";
import type { App } from "../app";

export const getJobRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}",
  tags: ["jobs"],
  summary: "Get a job: status, result, error",
  request: { params: JobIdParamSchema },
  responses: {
    200: { description: "The job", content: { "application/json": { schema: JobSchema } } },
    // 503: the job is archived and R2 did not answer.
    ...problemResponses(...jobApiErrors, "job_not_found", "validation_failed", "service_unavailable"),
  },
});

export function registerGetJob(app: App) {
  app.openapi(getJobRoute, async (c) => {
    const { id } = c.req.valid("param");
    const db = c.get("db");
    const row = await getJobWithArchive(db, c.env.IMAGES, c.get("principal"), id);
    if (!row) throw new ApiError("job_not_found", `No job ${id}`);
    const signed = await signedUrlsForJobs(db, c.env, [row], Date.now());
    return c.json(serializeJob(row, signed.get(row.id)), 200);
  });
}
