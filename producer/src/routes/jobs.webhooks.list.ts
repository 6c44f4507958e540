import { createRoute, type z } from "@hono/zod-openapi";
import { jobApiErrors, problemResponses } from "../problem";
import { JobIdParamSchema } from "../schemas/jobs";
import { archivedJobWebhooks } from "../../../shared/jobs/archive-webhooks";
import { listJobWebhooks } from "../../../shared/webhooks/deliveries";
import { WebhookEventListSchema } from "../../../shared/webhooks/schemas";
import type { App } from "../app";

export const listJobWebhooksRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/webhooks",
  tags: ["webhooks"],
  summary: "A job's webhook events and every delivery attempt",
  description:
    "One event per notified job state change, newest first, each with its attempts (status code, duration, " +
    "error, when the next attempt is due).",
  request: { params: JobIdParamSchema },
  responses: {
    200: {
      description: "The job's webhook events",
      content: { "application/json": { schema: WebhookEventListSchema } },
    },
    // 503: the job is archived and R2 did not answer.
    ...problemResponses(...jobApiErrors, "job_not_found", "validation_failed", "service_unavailable"),
  },
});
export type ListJobWebhooksResponse = z.infer<typeof WebhookEventListSchema>;

export function registerListJobWebhooks(app: App) {
  app.openapi(listJobWebhooksRoute, async (c) => {
    const { id } = c.req.valid("param");
    const list = await listJobWebhooks(c.get("db"), c.get("principal"), id);
    // An archived job's events left D1 with it: an empty list may mean they are in its archive line.
    if (list.data.length > 0) return c.json(list, 200);
    return c.json(
      (await archivedJobWebhooks(c.get("db"), c.env.IMAGES, c.get("principal"), id)) ?? list,
      200,
    );
  });
}
