import { createRoute, z } from "@hono/zod-openapi";
import { getJobForInstance } from "../../../shared/db/queries/jobs";
import { ApiError } from "../../../shared/errors";
import { readJobOutput } from "../../../shared/jobs/output";
import { jobApiErrors, problemResponses } from "../problem";
import { JobIdParamSchema } from "../schemas/jobs";
import type { App } from "../app";

export const jobOutputRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/output",
  tags: ["jobs"],
  summary: "The whole text of a succeeded text job",
  description:
    "text/plain, UTF-8. Short outputs are also in the job's `result.text.content`; long ones (over 16 KiB) only here.",
  request: { params: JobIdParamSchema },
  responses: {
    200: { description: "The generated text", content: { "text/plain": { schema: z.string() } } },
    ...problemResponses(...jobApiErrors, "job_not_found", "output_not_found", "validation_failed"),
  },
});

export function registerJobOutput(app: App) {
  app.openapi(jobOutputRoute, async (c) => {
    const { id } = c.req.valid("param");
    const job = await getJobForInstance(c.get("db"), c.get("principal"), id);
    if (!job) throw new ApiError("job_not_found", `No job ${id}`);
    const text = await readJobOutput(c.env.IMAGES, job);
    return c.text(text, 200, { "Cache-Control": "private, max-age=3600, immutable" });
  });
}
