// Contract tests: the real OpenAI Images adapter against the fake OpenAI over loopback.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ProviderErrorCode } from "../../../shared/providers/errors";
import { openaiProvider, openaiSize } from "../../../shared/providers/openai";
import { parseResetDuration } from "../../../shared/providers/openai/reset";
import { startOpenAIFake } from "../../fakes/openai";
import type { RunningFake } from "../../fakes/server";
import { PNG_SIGNATURE, everyRendering, failureOf, input, realCtx } from "./provider-context";

let fake: RunningFake;
beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.configure({ failNext: [], echoKeyInErrors: false });
  fake.reset();
});

describe("openai adapter: success", () => {
  it("sends the documented JSON request for gpt-image-1 and decodes b64_json", async () => {
    const result = await openaiProvider.generate(
      input({ aspect_ratio: "16x9", num_images: 2, seed: 5, negative_prompt: "blurry" }),
      realCtx(fake.url),
    );
    const req = fake.stats().lastRequest;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/v1/images/generations");
    expect(req?.headers.authorization).toBe("Bearer test-key");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.json).toEqual({
      model: "gpt-image-1",
      prompt: "a red fox in the snow\n\nAvoid: blurry",
      n: 2,
      size: "1536x1024",
      quality: "medium",
      output_format: "png",
    });
    expect(result.model).toBe("gpt-image-1");
    expect(result.images).toHaveLength(2);
    for (const img of result.images) {
      expect([img.width, img.height]).toEqual([1536, 1024]);
      expect(img.contentType).toBe("image/png");
      expect(img.seed).toBeNull();
      expect([...img.bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    }
    expect(fake.stats().imageDownloads).toBe(0);
  });

  it("asks for a portrait canvas for portrait ratios", async () => {
    const result = await openaiProvider.generate(input({ aspect_ratio: "9x16" }), realCtx(fake.url));
    expect(fake.stats().lastRequest?.json).toMatchObject({ size: "1024x1536" });
    expect([result.images[0]?.width, result.images[0]?.height]).toEqual([1024, 1536]);
  });

  it("makes one dall-e-3 call per image, downloads the URLs and keeps the revised prompt", async () => {
    const result = await openaiProvider.generate(
      input({ aspect_ratio: "3x2", num_images: 2 }),
      realCtx(fake.url, { model: "dall-e-3" }),
    );
    const stats = fake.stats();
    expect(stats.generateCalls).toBe(2);
    for (const r of stats.requests) {
      expect(r.json).toEqual({
        model: "dall-e-3",
        prompt: "a red fox in the snow",
        n: 1,
        size: "1792x1024",
        quality: "standard",
      });
    }
    expect(stats.imageDownloads).toBe(2);
    expect(result.images.map((i) => [i.width, i.height])).toEqual([
      [1792, 1024],
      [1792, 1024],
    ]);
    expect(result.revisedPrompt).toBe("A detailed rendering of: a red fox in the snow");
    expect(result.model).toBe("dall-e-3");
  });

  it("prices per model and canvas", () => {
    expect(openaiProvider.estimateCostUsd(input({ num_images: 2 }))).toBeCloseTo(0.084);
    expect(openaiProvider.estimateCostUsd(input({ aspect_ratio: "16x9" }), "dall-e-3")).toBeCloseTo(0.08);
  });

  it("maps every aspect ratio onto the model's three canvases", () => {
    expect(openaiSize("gpt-image-1", "1x1")).toBe("1024x1024");
    expect(openaiSize("gpt-image-1", "3x1")).toBe("1536x1024");
    expect(openaiSize("gpt-image-1", "10x16")).toBe("1024x1536");
    expect(openaiSize("dall-e-3", "2x3")).toBe("1024x1792");
    expect(openaiSize("dall-e-2", "16x9")).toBe("1024x1024");
  });
});

describe("openai adapter: errors", () => {
  const cases: [string, ProviderErrorCode, number | undefined, number | undefined][] = [
    ["400", "provider_bad_request", 400, undefined],
    ["safety", "provider_safety_rejected", 400, undefined],
    ["billing_hard_limit", "provider_quota_exceeded", 400, undefined],
    ["forbidden", "provider_forbidden", 403, undefined],
    ["insufficient_quota", "provider_insufficient_funds", 429, undefined],
    ["429", "provider_rate_limited", 429, 12_000],
    ["429_reset_only", "provider_rate_limited", 429, 1500],
    ["500", "provider_unavailable", 500, undefined],
    ["503", "provider_unavailable", 503, undefined],
    ["malformed", "provider_invalid_response", undefined, undefined],
  ];
  it.each(cases)("failNext %s → %s", async (outcome, code, status, retryAfterMs) => {
    fake.configure({ failNext: [outcome] });
    const err = await failureOf(openaiProvider.generate(input(), realCtx(fake.url)), code);
    expect(err.status).toBe(status);
    if (retryAfterMs !== undefined) expect(err.retryAfterMs).toBe(retryAfterMs);
  });

  it("treats insufficient_quota as permanent, a plain 429 as retryable", async () => {
    fake.configure({ failNext: ["insufficient_quota", "429"] });
    expect((await failureOf(openaiProvider.generate(input(), realCtx(fake.url)))).retryable).toBe(false);
    expect((await failureOf(openaiProvider.generate(input(), realCtx(fake.url)))).retryable).toBe(true);
  });

  it("recognises DALL·E's content_policy_violation as a safety rejection", async () => {
    fake.configure({ failNext: ["safety"] });
    await failureOf(
      openaiProvider.generate(input(), realCtx(fake.url, { model: "dall-e-3" })),
      "provider_safety_rejected",
    );
  });

  it("maps a wrong key to provider_auth_failed", async () => {
    const err = await failureOf(
      openaiProvider.generate(input(), realCtx(fake.url, { apiKey: "sk-wrong-0000" })),
      "provider_auth_failed",
    );
    expect(err.status).toBe(401);
  });

  it("fails as provider_not_configured without a key", async () => {
    await failureOf(
      openaiProvider.generate(input(), realCtx(fake.url, { apiKey: "" })),
      "provider_not_configured",
    );
    expect(fake.stats().calls).toBe(0);
  });

  it("times out a hanging call as provider_timeout", async () => {
    fake.configure({ failNext: ["timeout"] });
    await failureOf(
      openaiProvider.generate(input(), realCtx(fake.url, { requestTimeoutMs: 300 })),
      "provider_timeout",
    );
  });

  it("stops at once when the job's signal is already aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    await failureOf(
      openaiProvider.generate(input(), realCtx(fake.url, { signal: ac.signal })),
      "provider_timeout",
    );
  });

  it("fails when a DALL·E image URL has expired", async () => {
    fake.configure({ failNext: ["expired"] });
    const err = await failureOf(
      openaiProvider.generate(input(), realCtx(fake.url, { model: "dall-e-2" })),
      "provider_invalid_response",
    );
    expect(err.status).toBe(403);
  });

  it("surfaces OpenAI's own validation (unknown model) as provider_bad_request", async () => {
    const err = await failureOf(
      openaiProvider.generate(input(), realCtx(fake.url, { model: "gpt-nope" })),
      "provider_bad_request",
    );
    expect(err.message).toContain("Invalid value: 'gpt-nope'");
  });

  it("never lets the API key into an error, even when echoed whole", async () => {
    const secret = "sk-proj-SECRET-abcdefghijklmnop";
    fake.configure({ echoKeyInErrors: true });
    const err = await failureOf(
      openaiProvider.generate(input(), realCtx(fake.url, { apiKey: secret })),
      "provider_auth_failed",
    );
    expect(err.message).toContain("[redacted]");
    expect(everyRendering(err)).not.toContain(secret);
  });
});

describe("parseResetDuration", () => {
  it.each([
    ["1s", 1000],
    ["250ms", 250],
    ["6m0s", 360_000],
    ["1h2m3.5s", 3_723_500],
    ["1.5s", 1500],
  ])("%s → %d ms", (text, ms) => {
    expect(parseResetDuration(text)).toBe(ms);
  });
  it.each([null, "", "soon", "5", "1x"])("%s → undefined", (text) => {
    expect(parseResetDuration(text)).toBeUndefined();
  });
});
