// Contract tests: the real Stability adapter against the fake Stability over loopback.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ProviderErrorCode } from "../../../shared/providers/errors";
import { readImageBody } from "../../../shared/providers/stability/body";
import { stabilityProvider } from "../../../shared/providers/stability";
import { makePng, sizeForRatio } from "../../fakes/png";
import type { RunningFake } from "../../fakes/server";
import { startStabilityFake } from "../../fakes/stability";
import { PNG_SIGNATURE, failureOf, input, realCtx } from "./provider-context";

let fake: RunningFake;
beforeAll(async () => {
  fake = await startStabilityFake();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.configure({ failNext: [], rateLimit: null, inflightLimit: null, latencyMs: 0, down: false });
  fake.reset();
});

describe("stability adapter: success", () => {
  it("sends the documented multipart request with Bearer auth and accept image/*", async () => {
    const result = await stabilityProvider.generate(
      input({ aspect_ratio: "16x9", seed: 42, negative_prompt: "blurry" }),
      realCtx(fake.url),
    );
    const req = fake.stats().lastRequest;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/v2beta/stable-image/generate/core");
    expect(req?.headers.authorization).toBe("Bearer test-key");
    expect(req?.headers.accept).toBe("image/*");
    expect(req?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(req?.fields).toEqual({
      prompt: "a red fox in the snow",
      negative_prompt: "blurry",
      aspect_ratio: "16:9",
      seed: "42",
      output_format: "png",
    });
    const { width, height } = sizeForRatio("16:9");
    const [image] = result.images;
    expect([image?.width, image?.height]).toEqual([width, height]);
    expect(image?.contentType).toBe("image/png");
    expect([...(image?.bytes.subarray(0, 8) ?? [])]).toEqual(PNG_SIGNATURE);
    expect(image?.seed).toBe(42);
    expect(result.model).toBe("core");
  });

  it("makes one request per image, with consecutive seeds", async () => {
    const result = await stabilityProvider.generate(input({ num_images: 3, seed: 7 }), realCtx(fake.url));
    expect(fake.stats().generateCalls).toBe(3);
    expect(result.images.map((i) => i.seed).sort()).toEqual([7, 8, 9]);
  });

  it("reports the seed Stability picked when the job named none", async () => {
    const result = await stabilityProvider.generate(input(), realCtx(fake.url));
    expect(fake.stats().lastRequest?.fields?.seed).toBeUndefined();
    expect(result.images[0]?.seed).toBeGreaterThan(0);
  });

  it("routes sd3.5 models to the sd3 endpoint with `model`, and prices each model", async () => {
    const result = await stabilityProvider.generate(
      input(),
      realCtx(fake.url, { model: "sd3.5-large-turbo" }),
    );
    const req = fake.stats().lastRequest;
    expect(req?.path).toBe("/v2beta/stable-image/generate/sd3");
    expect(req?.fields?.model).toBe("sd3.5-large-turbo");
    expect(result.model).toBe("sd3.5-large-turbo");
    await stabilityProvider.generate(input(), realCtx(fake.url, { model: "ultra" }));
    expect(fake.stats().lastRequest?.path).toBe("/v2beta/stable-image/generate/ultra");
    expect(fake.stats().lastRequest?.fields?.model).toBeUndefined();
    expect(stabilityProvider.estimateCostUsd(input({ num_images: 2 }))).toBeCloseTo(0.06);
    expect(stabilityProvider.estimateCostUsd(input(), "ultra")).toBeCloseTo(0.08);
    expect(stabilityProvider.estimateCostUsd(input(), "sd3.5-large")).toBeCloseTo(0.065);
  });

  it("reads the JSON answer shape too (accept: application/json)", async () => {
    const png = makePng(4, 2);
    const res = Response.json({
      image: Buffer.from(png).toString("base64"),
      finish_reason: "SUCCESS",
      seed: 5,
    });
    expect(await readImageBody(res, "stability")).toEqual({ bytes: png, finishReason: "SUCCESS", seed: 5 });
  });
});

describe("stability adapter: errors", () => {
  const cases: [string, ProviderErrorCode, number | undefined, boolean][] = [
    ["400", "provider_bad_request", 400, false],
    ["payment_required", "provider_insufficient_funds", 402, false],
    ["content_moderation", "provider_safety_rejected", 403, false],
    ["payload_too_large", "provider_bad_request", 413, false],
    ["invalid_language", "provider_bad_request", 422, false],
    ["429", "provider_rate_limited", 429, true],
    ["500", "provider_unavailable", 500, true],
    ["malformed", "provider_invalid_response", undefined, false],
  ];
  it.each(cases)("failNext %s → %s", async (outcome, code, status, retryable) => {
    fake.configure({ failNext: [outcome] });
    const err = await failureOf(stabilityProvider.generate(input(), realCtx(fake.url)), code);
    expect(err.status).toBe(status);
    expect(err.retryable).toBe(retryable);
    expect(err.provider).toBe("stability");
  });

  it("carries Stability's own error text in the message", async () => {
    fake.configure({ failNext: ["content_moderation"] });
    const err = await failureOf(stabilityProvider.generate(input(), realCtx(fake.url)));
    expect(err.message).toContain("content_moderation: Your request was flagged");
  });

  it("fails permanently with image_withheld_unsafe on a CONTENT_FILTERED answer", async () => {
    fake.configure({ failNext: ["filtered"] });
    const err = await failureOf(
      stabilityProvider.generate(input(), realCtx(fake.url)),
      "image_withheld_unsafe",
    );
    expect(err.retryable).toBe(false);
  });

  it("maps a wrong key to provider_auth_failed, and refuses ratios Stability lacks before calling", async () => {
    await failureOf(
      stabilityProvider.generate(input(), realCtx(fake.url, { apiKey: "wrong" })),
      "provider_auth_failed",
    );
    const calls = fake.stats().calls;
    await failureOf(
      stabilityProvider.generate(input({ aspect_ratio: "4x3" }), realCtx(fake.url)),
      "provider_unsupported_input",
    );
    expect(fake.stats().calls).toBe(calls);
  });

  it("hits a real rate limit: 429 with the shell's Retry-After", async () => {
    fake.configure({ rateLimit: { ratePerSecond: 0.5, burst: 1 } });
    await stabilityProvider.generate(input(), realCtx(fake.url));
    const err = await failureOf(
      stabilityProvider.generate(input(), realCtx(fake.url)),
      "provider_rate_limited",
    );
    expect(err.retryAfterMs).toBe(2000);
  });

  it("times out a hanging call as provider_timeout", async () => {
    fake.configure({ failNext: ["timeout"] });
    await failureOf(
      stabilityProvider.generate(input(), realCtx(fake.url, { requestTimeoutMs: 300 })),
      "provider_timeout",
    );
  });
});
