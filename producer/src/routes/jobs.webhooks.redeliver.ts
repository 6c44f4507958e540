import { createRoute, type z } from "@hono/zod-openapi";
import { jobApiErrors, bodyErrors, problemResponses } from "../problem";
import { JobIdParamSchema } from "../schemas/jobs";
import { redeliverLatestWebhook } from "../../../shared/webhooks/deliveries";
import { WebhookEventSchema } from "../../../shared/webhooks/schemas";
import type { App } from "../app";

export const redeliverJobWebhookRoute = createRoute({
  method: "post",
  path: "/v1/jobs/{id}/webhooks/redeliver",
  tags: ["webhooks"],
  summary: "Send the job's latest webhook event again",
  description:
    "Queues the latest event again with the same `webhook-id` (receivers dedupe on it), a new timestamp and " +
    "signature; attempt numbers continue and the retry schedule starts over. A URL that answered 410 Gone is " +
    "taken back into service. 404 `webhook_event_not_found` when the job never produced a webhook event; " +
    "409 `job_deleted` for a deleted job (its webhook events went with it).",
  request: { params: JobIdParamSchema },
  responses: {
    202: {
      description: "Redelivery queued; the event as it is now (pending)",
      content: { "application/json": { schema: WebhookEventSchema } },
    },
    ...problemResponses(
      ...bodyErrors,
      ...jobApiErrors,
      "job_not_found",
      "job_deleted",
      "webhook_event_not_found",
      "validation_failed",
      "queue_unavailable",
    ),
  },
});
export type RedeliverJobWebhookResponse = z.infer<typeof WebhookEventSchema>;

export function registerRedeliverJobWebhook(app: App) {
  app.openapi(redeliverJobWebhookRoute, async (c) => {
    const { id } = c.req.valid("param");
    const deps = { db: c.get("db"), queue: c.env.WEBHOOKS };
    return c.json(await redeliverLatestWebhook(deps, c.get("principal"), id), 202);
  });
}
