import { createRoute, type z } from "@hono/zod-openapi";
import { jobApiErrors, bodyErrors, problemResponses } from "../problem";
import { cancelJob } from "../../../shared/jobs/cancel";
import { JobSchema } from "../../../shared/jobs/schemas";
import { JobIdParamSchema } from "../schemas/jobs";
import { serializeJob } from "../../../shared/jobs/serialize";
import { emitWebhookForJob } from "../../../shared/webhooks/emit";
import type { App } from "../app";

export const cancelJobRoute = createRoute({
  method: "post",
  path: "/v1/jobs/{id}/cancel",
  tags: ["jobs"],
  summary: "Cancel a job",
  description:
    "A queued job is `canceled` at once. A running job stays `running` with `cancel_requested: true`; " +
    "it ends `canceled` unless the provider has already produced its result. An ended job is a 409.",
  request: { params: JobIdParamSchema },
  responses: {
    202: {
      description: "Canceled, or cancellation requested; the job as it is now",
      content: { "application/json": { schema: JobSchema } },
    },
    ...problemResponses(
      ...bodyErrors,
      ...jobApiErrors,
      "job_not_found",
      "job_not_cancelable",
      "validation_failed",
      "service_unavailable",
    ),
  },
});
export type CancelJobParams = z.infer<typeof JobIdParamSchema>;

export function registerCancelJob(app: App) {
  app.openapi(cancelJobRoute, async (c) => {
    const { id } = c.req.valid("param");
    const row = await cancelJob({ db: c.get("db"), now: Date.now }, c.get("principal"), id);
    // A queued job ended here: job.canceled (a running one is reported by the consumer when it stops).
    if (row.status === "canceled") {
      c.executionCtx.waitUntil(
        emitWebhookForJob({ db: c.get("db"), queue: c.env.WEBHOOKS, now: Date.now }, row.id),
      );
    }
    return c.json(serializeJob(row), 202);
  });
}
