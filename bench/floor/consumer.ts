// Fair-floor consumer: the platform work of running one job, and nothing else. Jobs queue: the
// provider call through genqueue's own Ideogram adapter (same request, same image download), one
// R2 put per image, one D1 update (completed_at, from which the bench reads completion as it does
// genqueue's), one webhook-queue send. Webhooks queue: one POST per message. No pacing, events,
// leases or signing: whatever genqueue does beyond this is the price of its guarantees.
import { getProvider, resolveProviderConfig } from "../../shared/providers/registry";
import type { FloorJobMessage, FloorWebhookMessage } from "./message";

// A type, not an interface: resolveProviderConfig reads it as a plain record of vars.
type FloorConsumerEnv = {
  DB: D1Database;
  IMAGES: R2Bucket;
  WEBHOOKS: Queue<FloorWebhookMessage>;
  JOBS_QUEUE_NAME: string;
  WEBHOOKS_QUEUE_NAME: string;
  IDEOGRAM_BASE_URL: string;
  IDEOGRAM_API_KEY: string;
};

const ideogram = getProvider("ideogram");
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function runJob(job: FloorJobMessage, env: FloorConsumerEnv): Promise<void> {
  const { apiKey, baseUrl } = resolveProviderConfig(env, "ideogram");
  const result = await ideogram.generate(job.input, {
    apiKey,
    baseUrl,
    signal: AbortSignal.timeout(120_000),
    requestTimeoutMs: 60_000,
    fetch: (req, init) => fetch(req, init),
    sleep,
    now: () => Date.now(),
  });
  for (const [n, image] of result.images.entries())
    await env.IMAGES.put(`${job.id}/${n}.png`, image.bytes, {
      httpMetadata: { contentType: image.contentType },
    });
  await env.DB.prepare("UPDATE floor_jobs SET completed_at = ? WHERE id = ?").bind(Date.now(), job.id).run();
  await env.WEBHOOKS.send({ id: job.id, url: job.webhookUrl }, { contentType: "json" });
}

async function deliver(hook: FloorWebhookMessage): Promise<void> {
  const res = await fetch(hook.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "job.succeeded", data: { id: hook.id } }),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`webhook receiver answered ${res.status}`);
}

export default {
  async queue(batch, env) {
    const handle =
      batch.queue === env.WEBHOOKS_QUEUE_NAME
        ? (body: unknown) => deliver(body as FloorWebhookMessage)
        : batch.queue === env.JOBS_QUEUE_NAME
          ? (body: unknown) => runJob(body as FloorJobMessage, env)
          : null;
    if (!handle) {
      batch.retryAll();
      return;
    }
    // Every message at once, each settling on its own, as genqueue's consumer does.
    await Promise.all(
      batch.messages.map(async (message) => {
        try {
          await handle(message.body);
          message.ack();
        } catch (error) {
          console.error(`floor: ${batch.queue} message failed: ${String(error)}`);
          message.retry();
        }
      }),
    );
  },
} satisfies ExportedHandler<FloorConsumerEnv>;
