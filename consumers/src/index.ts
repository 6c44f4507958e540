// Composes the consumer Worker: one queue handler dispatching on the batch's queue (names come
// from configuration), plus the Durable Object classes it hosts.
import { consumerConfig } from "../../shared/config";
import { createDb } from "../../shared/db/client";
import { purgeExpiredIdempotencyKeys } from "../../shared/jobs/idempotency";
import { handleDeadLetter } from "./dead-letters";
import { handleJobMessage } from "./handle-job-message";
import { handleWebhookDeadLetter, handleWebhookMessage } from "./handle-webhook-message";
import { log } from "./log";
import { sweepStaleJobs } from "./sweep";

export { TokenBucket } from "./token-bucket";

export default {
  async queue(batch, env) {
    const config = consumerConfig(env);
    if (batch.queue === config.JOBS_DLQ_NAME) {
      const db = createDb(env.DB);
      await Promise.all(batch.messages.map((m) => handleDeadLetter(db, m, Date.now(), env.WEBHOOKS)));
      return;
    }
    if (batch.queue === config.WEBHOOKS_QUEUE_NAME) {
      await Promise.all(batch.messages.map((m) => handleWebhookMessage(m, env)));
      return;
    }
    if (batch.queue === config.WEBHOOKS_DLQ_NAME) {
      await Promise.all(batch.messages.map((m) => handleWebhookDeadLetter(m, env)));
      return;
    }
    if (batch.queue !== config.JOBS_QUEUE_NAME) {
      log("error", "batch from an unknown queue left for redelivery", { queue: batch.queue });
      batch.retryAll();
      return;
    }
    await Promise.all(batch.messages.map((m) => handleJobMessage(m, env)));
  },

  // Housekeeping: re-send lost job messages; forget idempotency records past their 24 h.
  async scheduled(_controller, env) {
    const db = createDb(env.DB);
    const now = Date.now();
    await sweepStaleJobs(db, env.JOBS, consumerConfig(env), now);
    await purgeExpiredIdempotencyKeys(db, now);
  },
} satisfies ExportedHandler<ConsumerEnv>;
