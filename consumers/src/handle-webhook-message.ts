// The webhooks queue and its dead-letter queue. Each message is acked or retried on its own; the
// delivery schedule is ours (new delayed messages), so Queues' retries only see crashes, and a
// message that keeps crashing ends in the webhook DLQ, whose consumer marks the event failed.
import { createDb } from "../../shared/db/client";
import { finishEventStatement } from "../../shared/db/queries/webhooks";
import { WebhookDeliveryMessageSchema } from "../../shared/webhooks/message";
import { deliverWebhook, type WebhookEnv } from "./deliver-webhook";
import { log } from "./log";

const INFRA_RETRY_SECONDS = 30;

export async function handleWebhookMessage(
  message: Message<unknown>,
  env: WebhookEnv & { DB: D1Database },
  // Wrapped: workerd's fetch throws "Illegal invocation" when called as a method of another object.
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): Promise<void> {
  const parsed = WebhookDeliveryMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    log("error", "invalid webhook message dropped", {
      message_id: message.id,
      issues: parsed.error.issues.length,
    });
    message.ack();
    return;
  }
  try {
    const result = await deliverWebhook(
      { db: createDb(env.DB), env, fetch: fetchImpl, now: () => Date.now() },
      parsed.data,
    );
    if (result.kind === "skipped")
      log("info", "webhook message skipped", { event_id: parsed.data.event_id, ...result });
    message.ack();
  } catch (error) {
    log("error", "webhook delivery failed unexpectedly", {
      event_id: parsed.data.event_id,
      error: error instanceof Error ? error.message : String(error),
    });
    message.retry({ delaySeconds: INFRA_RETRY_SECONDS });
  }
}

/** Schedule exhausted (or the message kept crashing): the event is failed; a redelivery can revive it. */
export async function handleWebhookDeadLetter(
  message: Message<unknown>,
  env: { DB: D1Database },
): Promise<void> {
  const parsed = WebhookDeliveryMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    log("error", "unreadable webhook dead letter dropped", { message_id: message.id });
    message.ack();
    return;
  }
  try {
    await finishEventStatement(createDb(env.DB), parsed.data.event_id, "failed");
    log("warn", "webhook event failed", { event_id: parsed.data.event_id, attempt: parsed.data.attempt });
    message.ack();
  } catch (error) {
    log("error", "webhook dead letter not recorded", {
      event_id: parsed.data.event_id,
      error: String(error),
    });
    message.retry({ delaySeconds: INFRA_RETRY_SECONDS });
  }
}
