// The webhooks queue's message body: which event to deliver and where in the retry schedule this
// delivery is. The webhook_events row, not the message, holds the body, the URL and the status.
import * as z from "../zod-mini";

export const WebhookDeliveryMessageSchema = z.object({
  v: z.literal(1),
  kind: z.literal("webhook"),
  /** webhook_events.id, sent as the `webhook-id` header on every attempt. */
  event_id: z.string().check(z.minLength(1)),
  /** Position in the retry schedule (1 = the immediate attempt); a redelivery starts again at 1. */
  attempt: z.int().check(z.minimum(1)),
  /** Wait still owed before the attempt: waits above the Queues 12 h maximum travel in hops. */
  remaining_seconds: z._default(z.int().check(z.minimum(0)), 0),
});
export type WebhookDeliveryMessage = z.input<typeof WebhookDeliveryMessageSchema>;

export function webhookDeliveryMessage(
  eventId: string,
  attempt = 1,
  remainingSeconds = 0,
): WebhookDeliveryMessage {
  return { v: 1, kind: "webhook", event_id: eventId, attempt, remaining_seconds: remainingSeconds };
}
