// text.generate through the API: validation of the chat input, which providers may run it, the
// job view of a text result (inline or in R2) and GET /v1/jobs/{id}/output.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Job } from "../../shared/jobs/schemas";
import { seedJob, seedTenant } from "../support/tenant";
import { call, createJobViaApi, expectProblem, getInit, postInit } from "./helpers";

const textBody = (extra: Record<string, unknown> = {}, input: Record<string, unknown> = {}) => ({
  type: "text.generate",
  input: { messages: [{ role: "user", content: "Two lines about a lighthouse" }], ...input },
  ...extra,
});

describe("POST /v1/jobs with type text.generate", () => {
  it("accepts a chat input and fills in max_tokens", async () => {
    const t = await seedTenant(env.DB);
    const job = await createJobViaApi(t.userKey, textBody({}, { temperature: 0.3, model: "gpt-4o-mini" }));
    expect(job).toMatchObject({ type: "text.generate", status: "queued", result: null });
    expect(job.input).toEqual({
      messages: [{ role: "user", content: "Two lines about a lighthouse" }],
      model: "gpt-4o-mini",
      temperature: 0.3,
      max_tokens: 1024,
    });
  });

  it.each([
    ["no messages", { messages: [] }, "input.messages"],
    ["no user message", { messages: [{ role: "system", content: "hi" }] }, "input.messages"],
    ["an unknown role", { messages: [{ role: "tool", content: "hi" }] }, "input.messages.0.role"],
    ["too many tokens", { max_tokens: 100_000 }, "input.max_tokens"],
    ["a temperature above 2", { temperature: 2.5 }, "input.temperature"],
    ["an image field", { prompt: "a fox" }, "input"],
  ])("refuses %s with validation_failed", async (_, input, path) => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", postInit(t.userKey, textBody({}, input)));
    const problem = await expectProblem(res, 400, "validation_failed");
    expect(JSON.stringify(problem.errors)).toContain(path);
  });

  it("refuses an image input under the text type, and a text input under the image type", async () => {
    const t = await seedTenant(env.DB);
    const imageInText = { type: "text.generate", input: { prompt: "a fox" } };
    await expectProblem(await call("/v1/jobs", postInit(t.userKey, imageInText)), 400, "validation_failed");
    const textInImage = { type: "image.generate", input: textBody().input };
    await expectProblem(await call("/v1/jobs", postInit(t.userKey, textInImage)), 400, "validation_failed");
  });

  it("refuses a provider, fallback or strategy that cannot run text", async () => {
    const t = await seedTenant(env.DB);
    for (const [extra, path] of [
      [{ provider: "ideogram" }, "provider"],
      [{ provider: "cheapest" }, "provider"],
      [{ provider: "openai", fallback_providers: ["stability"] }, "fallback_providers.0"],
    ] as const) {
      const res = await call("/v1/jobs", postInit(t.userKey, textBody(extra)));
      const problem = await expectProblem(res, 400, "validation_failed");
      expect(problem.errors?.map((e) => e.path)).toEqual([path]);
    }
    // And an image job on a text-only provider.
    const image = { type: "image.generate", input: { prompt: "a fox" }, provider: "openai-compatible" };
    await expectProblem(await call("/v1/jobs", postInit(t.userKey, image)), 400, "validation_failed");
    await createJobViaApi(
      t.userKey,
      textBody({ provider: "openai-compatible", fallback_providers: ["demo"] }),
    );
  });
});

describe("a succeeded text job", () => {
  async function seedDone(output: Record<string, unknown>) {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, {
      status: "succeeded",
      overrides: {
        type: "text.generate",
        input: { messages: [{ role: "user", content: "hi" }], max_tokens: 32 },
        model: "demo-text-v1",
        costUsd: 0.0002,
        images: [],
        output: output as never,
      },
    });
    return { t, job };
  }

  it("shows its text and usage in the job, and answers the text at /output", async () => {
    const { t, job } = await seedDone({
      text: "Amber lantern.",
      r2Key: null,
      chars: 14,
      bytes: 14,
      finishReason: "stop",
      usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 },
    });
    const view = (await (await call(`/v1/jobs/${job.id}`, getInit(t.userKey))).json()) as Job;
    expect(view.result).toEqual({
      images: [],
      model: "demo-text-v1",
      revised_prompt: null,
      cost_usd: 0.0002,
      text: {
        content: "Amber lantern.",
        url: `/v1/jobs/${job.id}/output`,
        chars: 14,
        bytes: 14,
        finish_reason: "stop",
      },
      usage: { input_tokens: 5, output_tokens: 3, total_tokens: 8 },
    });
    const res = await call(`/v1/jobs/${job.id}/output`, getInit(t.userKey));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("Amber lantern.");
  });

  it("reads a long output from R2, and answers output_not_found once it is gone", async () => {
    const key = `test/${crypto.randomUUID()}/output.txt`;
    const long = "tide ".repeat(5000);
    await env.IMAGES.put(key, long);
    const { t, job } = await seedDone({
      text: null,
      r2Key: key,
      chars: long.length,
      bytes: long.length,
      finishReason: "length",
      usage: null,
    });
    const view = (await (await call(`/v1/jobs/${job.id}`, getInit(t.userKey))).json()) as Job;
    expect(view.result?.text).toMatchObject({ content: null, finish_reason: "length" });
    expect(view.result?.usage).toBeNull();
    expect(await (await call(`/v1/jobs/${job.id}/output`, getInit(t.userKey))).text()).toBe(long);
    await env.IMAGES.delete(key);
    await expectProblem(await call(`/v1/jobs/${job.id}/output`, getInit(t.userKey)), 404, "output_not_found");
  });

  it("has no output for an image job, nor for another tenant", async () => {
    const t = await seedTenant(env.DB);
    const image = await seedJob(env.DB, t, { status: "succeeded" });
    await expectProblem(
      await call(`/v1/jobs/${image.id}/output`, getInit(t.userKey)),
      404,
      "output_not_found",
    );
    const { job } = await seedDone({
      text: "x",
      r2Key: null,
      chars: 1,
      bytes: 1,
      finishReason: "stop",
      usage: null,
    });
    await expectProblem(await call(`/v1/jobs/${job.id}/output`, getInit(t.userKey)), 404, "job_not_found");
  });
});
