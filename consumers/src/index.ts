// Composes the consumer Worker: one queue handler dispatching on the batch's queue (names come
// from configuration; each message settles on its own), plus the Durable Object classes it hosts.
import { consumerConfig } from "../../shared/config";
import { createDb } from "../../shared/db/client";
import { handleDeadLetter } from "./dead-letters";
import { handleJobMessage, preloadJobs } from "./handle-job-message";
import { handleWebhookDeadLetter, handleWebhookMessage } from "./handle-webhook-message";
import { runHousekeeping } from "./housekeeping";
import { log } from "./log";
import { observed } from "../../shared/observability/worker";
import { settleEach } from "./settle-each";

export { Budget } from "./budget-object";
export { Housekeeping } from "./housekeeping-entrypoint";
export { JobWatch } from "./job-watch";
export { TokenBucket } from "./token-bucket";
export { WorkflowState } from "./workflow-state";

export default observed({
  async queue(batch, env) {
    const config = consumerConfig(env);
    if (batch.queue === config.JOBS_DLQ_NAME) {
      const db = createDb(env.DB, env);
      await settleEach(batch, (m) => handleDeadLetter(db, m, Date.now(), env.WEBHOOKS, env.BUDGET));
      return;
    }
    if (batch.queue === config.WEBHOOKS_QUEUE_NAME) {
      await settleEach(batch, (m) => handleWebhookMessage(m, env));
      return;
    }
    if (batch.queue === config.WEBHOOKS_DLQ_NAME) {
      await settleEach(batch, (m) => handleWebhookDeadLetter(m, env));
      return;
    }
    if (batch.queue !== config.JOBS_QUEUE_NAME) {
      log("error", "batch from an unknown queue left for redelivery", { queue: batch.queue });
      batch.retryAll();
      return;
    }
    const preloaded = await preloadJobs(createDb(env.DB), batch);
    await settleEach(batch, (m) => handleJobMessage(m, env, preloaded));
  },

  // Housekeeping: re-send lost job messages, forget idempotency records past their 24 h, ...
  async scheduled(_controller, env) {
    log("info", "housekeeping ran", { ...(await runHousekeeping(env, Date.now())) });
  },
} satisfies ExportedHandler<ConsumerEnv>);
