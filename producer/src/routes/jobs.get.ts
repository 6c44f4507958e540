import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../../shared/errors";
import { getJobWithArchive } from "../../../shared/jobs/archive-read";
import { preferredWait, waitForJob } from "../../../shared/jobs/watch-wait";
import { jobApiErrors, problemResponses } from "../problem";
import { JobSchema } from "../../../shared/jobs/schemas";
import { JobIdParamSchema } from "../schemas/jobs";
import { serializeJob } from "../../../shared/jobs/serialize";
import { signedUrlsForJobs } from "../../../shared/images/job-urls";
import type { App } from "../app";

const PreferWaitHeadersSchema = z.object({
  prefer: z.string().optional().openapi({
    description: "wait=N: wait up to N seconds (60 at most) for the job to end",
    example: "wait=30",
  }),
});

export const getJobRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}",
  tags: ["jobs"],
  summary: "Get a job: status, result, error",
  description:
    "`Prefer: wait=N` (RFC 7240, N at most 60) answers as soon as the job has ended, or after N seconds with the job as it is then; the answer's `Preference-Applied` says the wait served.",
  request: { params: JobIdParamSchema, headers: PreferWaitHeadersSchema },
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
    const wait = preferredWait(c.req.valid("header").prefer);
    const row =
      wait === null
        ? await getJobWithArchive(db, c.env.IMAGES, c.get("principal"), id)
        : await waitForJob(
            { db, watch: c.env.JOB_WATCH, bucket: c.env.IMAGES, now: Date.now },
            c.get("principal"),
            id,
            wait,
          );
    if (!row) throw new ApiError("job_not_found", `No job ${id}`);
    if (wait !== null) c.header("Preference-Applied", `wait=${wait}`);
    c.header("Vary", "Prefer");
    const signed = await signedUrlsForJobs(db, c.env, [row], Date.now());
    return c.json(serializeJob(row, signed.get(row.id)), 200);
  });
}
