// Runs a handler for every message of a batch and lets each settle on its own. With Promise.all
// one rejected message would reject the whole batch while its siblings are still mid-call, and
// Queues would then retry every message not yet acked; here a failure retries only its message.
import { log } from "./log";
import { inScope } from "../../shared/observability/context";
import { messageFields } from "../../shared/observability/message-scope";

const FAILED_MESSAGE_RETRY_SECONDS = 5;

export async function settleEach(
  batch: MessageBatch<unknown>,
  handle: (message: Message<unknown>) => Promise<void>,
): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        await inScope({ fields: () => messageFields(message.body) }, () => handle(message));
      } catch (error) {
        log("error", "message failed; it alone is retried", {
          queue: batch.queue,
          message_id: message.id,
          error: error instanceof Error ? error.message : String(error),
        });
        // A message already acked keeps its ack: the first explicit call wins.
        message.retry({ delaySeconds: FAILED_MESSAGE_RETRY_SECONDS });
      }
    }),
  );
}
