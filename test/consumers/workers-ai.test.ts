// A job asking for Workers AI, through the real consumer, with the AI binding injected (it has no
// local simulation): the image lands in R2 and the job succeeds; with no binding it fails as any
// provider without its key does (provider_not_configured, worth a fallback when a chain is set).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedJob, seedTenant } from "../support/tenant";
import { FakeAiBinding } from "../fakes/workers-ai-binding";
import { deliverBatch, jobRow, messageFor, spyEnv } from "./helpers";

async function workersAiJob() {
  const tenant = await seedTenant(env.DB);
  return seedJob(env.DB, tenant, {
    overrides: {
      requestedProvider: "workers-ai",
      input: { prompt: "a lighthouse", aspect_ratio: "1x1", num_images: 1 },
    },
  });
}

describe("workers-ai through the consumer", () => {
  it("runs the job on the injected AI binding and stores its image", async () => {
    const job = await workersAiJob();
    const ai = new FakeAiBinding();
    const target = { ...spyEnv().env, AI: ai } as ConsumerEnv;
    await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], target);
    const after = await jobRow(job.id);
    expect(after.status, after.errorMessage ?? "").toBe("succeeded");
    expect(after.provider).toBe("workers-ai");
    expect(after.model).toBe("@cf/black-forest-labs/flux-1-schnell");
    expect(ai.calls).toHaveLength(1);
    const [image] = after.images ?? [];
    expect([image?.width, image?.height]).toEqual([1024, 1024]);
    expect(await env.IMAGES.head(image?.r2Key ?? "")).not.toBeNull();
  });

  it("without the binding, fails the job as provider_not_configured, saying what to add", async () => {
    const job = await workersAiJob();
    await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], spyEnv().env);
    const after = await jobRow(job.id);
    expect(after.status).toBe("failed");
    expect(after.errorCode).toBe("provider_not_configured");
    expect(after.errorMessage).toContain("AI binding");
  });
});
