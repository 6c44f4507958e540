import { createRoute, type z } from "@hono/zod-openapi";
import { jobApiErrors, problemResponses } from "../problem";
import { deleteJob } from "../../../shared/jobs/delete";
import { JobSchema } from "../../../shared/jobs/schemas";
import { JobIdParamSchema } from "../schemas/jobs";
import { serializeJob } from "../../../shared/jobs/serialize";
import type { App } from "../app";

export const deleteJobRoute = createRoute({
  method: "delete",
  path: "/v1/jobs/{id}",
  tags: ["jobs"],
  summary: "Delete an ended job: its images, input and metadata",
  description:
    "Only a job that has ended (succeeded, failed, canceled, dead_lettered); any other is a 409 " +
    "`job_not_terminal`: cancel it first. The images leave storage, and the job stays as a tombstone: " +
    "id, status, provider, cost, times and its history (`/events`) remain, while `input` becomes null and " +
    "`metadata`, `webhook_url`, `webhook_events`, the revised prompt and the error message are cleared; its " +
    "webhook events, dead letters and idempotency record are removed. Answers the tombstone. Deleting " +
    "again answers it unchanged. A 503 means nothing was deleted: send the DELETE again. " +
    "`GET /v1/jobs` leaves deleted jobs out; `GET /v1/jobs/{id}` still answers them.",
  request: { params: JobIdParamSchema },
  responses: {
    200: {
      description: "The job as a tombstone (`deleted_at` set)",
      content: { "application/json": { schema: JobSchema } },
    },
    ...problemResponses(
      ...jobApiErrors,
      "job_not_found",
      "job_not_terminal",
      "validation_failed",
      "payload_too_large",
      "service_unavailable",
    ),
  },
});
export type DeleteJobParams = z.infer<typeof JobIdParamSchema>;

export function registerDeleteJob(app: App) {
  app.openapi(deleteJobRoute, async (c) => {
    const { id } = c.req.valid("param");
    const deps = { db: c.get("db"), bucket: c.env.IMAGES, now: Date.now, requestId: c.get("requestId") };
    const { row } = await deleteJob(deps, c.get("principal"), id);
    return c.json(serializeJob(row), 200);
  });
}
