// text.generate jobs through the jobs consumer inside workerd: real D1, R2 and pacing objects,
// the offline demo text provider. Short outputs stay on the row, long ones go to R2.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { INLINE_OUTPUT_MAX_BYTES } from "../../consumers/src/store-output";
import type { TextInput } from "../../shared/jobs/input";
import { readJobOutput } from "../../shared/jobs/output";
import { deliverBatch, jobRow, messageFor, spyEnv } from "./helpers";
import { seedJob, seedTenant } from "../support/tenant";

const JOBS_QUEUE = env.JOBS_QUEUE_NAME;

async function seedTextJob(content: string, extra: Partial<TextInput> = {}) {
  const tenant = await seedTenant(env.DB);
  const input: TextInput = { messages: [{ role: "user", content }], max_tokens: 256, ...extra };
  return seedJob(env.DB, tenant, { overrides: { type: "text.generate", input } });
}

async function run(job: Awaited<ReturnType<typeof seedTextJob>>) {
  const t = spyEnv();
  const result = await deliverBatch(JOBS_QUEUE, [messageFor(job)], t.env, ["m-1"]);
  return { result, after: await jobRow(job.id) };
}

describe("text jobs in the consumer", () => {
  it("runs a text job to succeeded with its text, finish reason and usage on the row", async () => {
    const job = await seedTextJob("Write about the harbor");
    const { result, after } = await run(job);
    expect(result.explicitAcks).toEqual(["m-1"]);
    expect(after).toMatchObject({
      status: "succeeded",
      provider: "demo",
      model: "demo-text-v1",
      costUsd: 0,
      images: [],
      output: {
        r2Key: null,
        finishReason: "stop",
        usage: { inputTokens: 10, outputTokens: 24, totalTokens: 34 },
      },
    });
    expect(after.output?.text?.split(" ")).toHaveLength(24);
    expect(after.output?.chars).toBe(after.output?.text?.length);
    expect(after.events.at(-1)).toMatchObject({
      type: "succeeded",
      data: { chars: after.output?.chars, model: "demo-text-v1" },
    });
    expect(await readJobOutput(env.IMAGES, after)).toBe(after.output?.text);
  });

  it("puts a long output in R2 under the job's prefix and reads it back whole", async () => {
    const job = await seedTextJob("[demo:words=6000]", { max_tokens: 8000 });
    const { after } = await run(job);
    expect(after.status).toBe("succeeded");
    const key = `${job.instanceId}/${job.projectId}/${job.id}/output.txt`;
    expect(after.output).toMatchObject({ text: null, r2Key: key, finishReason: "stop" });
    expect(after.output!.bytes).toBeGreaterThan(INLINE_OUTPUT_MAX_BYTES);
    const text = await readJobOutput(env.IMAGES, after);
    expect(text.split(" ")).toHaveLength(6000);
    expect(new TextEncoder().encode(text).byteLength).toBe(after.output!.bytes);
    const object = await env.IMAGES.head(key);
    expect(object?.httpMetadata?.contentType).toBe("text/plain; charset=utf-8");
  });

  it("reports a cut at max_tokens as finish_reason length", async () => {
    const { after } = await run(await seedTextJob("[demo:words=300]", { max_tokens: 50 }));
    expect(after.output).toMatchObject({ finishReason: "length", usage: { outputTokens: 50 } });
  });

  it("fails a text job permanently on a permanent provider error, with the code", async () => {
    const { result, after } = await run(await seedTextJob("[demo:fail=provider_bad_request]"));
    expect(result.explicitAcks).toEqual(["m-1"]);
    expect(after).toMatchObject({ status: "failed", errorCode: "provider_bad_request", output: null });
  });

  it("skips an instance's image-only fallback and runs on the text default", async () => {
    const tenant = await seedTenant(env.DB);
    const input: TextInput = { messages: [{ role: "user", content: "hello" }], max_tokens: 16 };
    const job = await seedJob(env.DB, tenant, {
      overrides: { type: "text.generate", input, fallbackProviders: ["ideogram"] },
    });
    const { after } = await run(job);
    expect(after).toMatchObject({ status: "succeeded", provider: "demo" });
  });
});
