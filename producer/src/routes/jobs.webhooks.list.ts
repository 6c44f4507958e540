import { createRoute, type z } from "@hono/zod-openapi";
import { jobApiErrors, problemResponses } from "../problem";
import { JobIdParamSchema } from "../schemas/jobs";
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
    ...problemResponses(...jobApiErrors, "job_not_found", "validation_failed"),
  },
});
export type ListJobWebhooksResponse = z.infer<typeof WebhookEventListSchema>;

export function registerListJobWebhooks(app: App) {
  app.openapi(listJobWebhooksRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await listJobWebhooks(c.get("db"), c.get("principal"), id), 200);
  });
}
