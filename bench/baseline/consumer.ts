// Bare-baseline consumer: acknowledges every message and does nothing else. Completion is read
// from wrangler's own `QUEUE <name> n/m` line per batch, so the consumer makes no extra call.
export default {
  async queue(batch) {
    batch.ackAll();
  },
} satisfies ExportedHandler;
