// The webhooks queue's message body: which event to deliver and where in the retry schedule this
// delivery is. The webhook_events row holds the body, the URL and the status; a message sent by the
// change that wrote the row also carries a copy of what the POST needs (`delivery`), so the common
// delivery reads nothing of the event before it. A message without it (a redelivery, or one sent
// before the copy existed) is delivered from the row.
import * as z from "../zod-mini";

const DeliveryCopySchema = z.object({
  job_id: z.string(),
  instance_id: z.string(),
  project_id: z.string(),
  url: z.string(),
  /** The exact signed body: JSON text, kept as text so the signature covers these bytes. */
  body: z.string(),
});
export type DeliveryCopy = z.infer<typeof DeliveryCopySchema>;

export const WebhookDeliveryMessageSchema = z.object({
  v: z.literal(1),
  kind: z.literal("webhook"),
  /** webhook_events.id, sent as the `webhook-id` header on every attempt. */
  event_id: z.string().check(z.minLength(1)),
  /** Position in the retry schedule (1 = the immediate attempt); a redelivery starts again at 1. */
  attempt: z.int().check(z.minimum(1)),
  /** Wait still owed before the attempt: waits above the Queues 12 h maximum travel in hops. */
  remaining_seconds: z._default(z.int().check(z.minimum(0)), 0),
  delivery: z.optional(DeliveryCopySchema),
});
export type WebhookDeliveryMessage = z.input<typeof WebhookDeliveryMessageSchema>;

export function webhookDeliveryMessage(
  eventId: string,
  attempt = 1,
  remainingSeconds = 0,
  delivery?: DeliveryCopy,
): WebhookDeliveryMessage {
  return {
    v: 1,
    kind: "webhook",
    event_id: eventId,
    attempt,
    remaining_seconds: remainingSeconds,
    ...(delivery ? { delivery } : {}),
  };
}
