// Contract tests: the real Ideogram adapter against the fake Ideogram over loopback.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ProviderErrorCode } from "../../../shared/providers/errors";
import { ideogramProvider } from "../../../shared/providers/ideogram";
import { startIdeogramFake } from "../../fakes/ideogram";
import { sizeForRatio } from "../../fakes/png";
import type { RunningFake } from "../../fakes/server";
import { PNG_SIGNATURE, everyRendering, failureOf, input, realCtx } from "./provider-context";

let fake: RunningFake;
beforeAll(async () => {
  fake = await startIdeogramFake();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.configure({
    failNext: [],
    rateLimit: null,
    inflightLimit: null,
    latencyMs: 0,
    down: false,
    imageTtlMs: 60_000,
    echoKeyInErrors: false,
  });
  fake.reset();
});

describe("ideogram adapter: success", () => {
  it("sends the documented multipart request and downloads every image", async () => {
    const result = await ideogramProvider.generate(
      input({ aspect_ratio: "16x9", num_images: 2, seed: 42, negative_prompt: "blurry" }),
      realCtx(fake.url),
    );
    const req = fake.stats().lastRequest;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/v1/ideogram-v3/generate");
    expect(req?.headers["api-key"]).toBe("test-key");
    expect(req?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(req?.fields).toEqual({
      prompt: "a red fox in the snow",
      negative_prompt: "blurry",
      aspect_ratio: "16x9",
      seed: "42",
      num_images: "2",
      rendering_speed: "DEFAULT",
      magic_prompt: "OFF",
    });
    const { width, height } = sizeForRatio("16x9");
    expect(result.images).toHaveLength(2);
    for (const img of result.images) {
      expect([img.width, img.height]).toEqual([width, height]);
      expect(img.contentType).toBe("image/png");
      expect([...img.bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    }
    expect(result.images.map((i) => i.seed)).toEqual([42, 43]);
    expect(result.model).toBe("V_3");
    expect(result.revisedPrompt).toBeUndefined();
    expect(result.withheld).toBeUndefined();
    expect(fake.stats().imageDownloads).toBe(2);
  });

  it("maps the configured model onto rendering_speed and prices it", async () => {
    const result = await ideogramProvider.generate(input(), realCtx(fake.url, { model: "turbo" }));
    expect(fake.stats().lastRequest?.fields?.rendering_speed).toBe("TURBO");
    expect(result.model).toBe("V_3_TURBO");
    expect(ideogramProvider.estimateCostUsd(input({ num_images: 2 }), "V_3_TURBO")).toBeCloseTo(0.06);
    expect(ideogramProvider.estimateCostUsd(input({ num_images: 1 }), "V_3_QUALITY")).toBeCloseTo(0.09);
    expect(ideogramProvider.estimateCostUsd(input({ num_images: 1 }))).toBeCloseTo(0.06);
  });

  it("reports a rewritten prompt from the response as revisedPrompt", async () => {
    // The adapter always asks for magic_prompt OFF, so rewrite the fake's answer in transit.
    const fetchRewriting: typeof fetch = async (url, init) => {
      const res = await fetch(url, init);
      if (!String(url).endsWith("/generate")) return res;
      const body = (await res.json()) as { data: { prompt: string }[] };
      for (const d of body.data) d.prompt = "a red fox in the snow, golden hour";
      return new Response(JSON.stringify(body), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    };
    const result = await ideogramProvider.generate(input(), realCtx(fake.url, { fetch: fetchRewriting }));
    expect(result.revisedPrompt).toBe("a red fox in the snow, golden hour");
  });

  it("returns the safe images and counts the withheld ones", async () => {
    fake.configure({ failNext: ["partial_unsafe"] });
    const result = await ideogramProvider.generate(input({ num_images: 3 }), realCtx(fake.url));
    expect(result.images).toHaveLength(2);
    expect(result.withheld).toBe(1);
    expect(fake.stats().imageDownloads).toBe(2);
  });

  it("fails permanently with image_withheld_unsafe when every image is withheld", async () => {
    fake.configure({ failNext: ["unsafe"] });
    const err = await failureOf(
      ideogramProvider.generate(input({ num_images: 2 }), realCtx(fake.url)),
      "image_withheld_unsafe",
    );
    expect(err.retryable).toBe(false);
  });
});

describe("ideogram adapter: errors", () => {
  const cases: [string, ProviderErrorCode, number | undefined, boolean][] = [
    ["400", "provider_bad_request", 400, false],
    ["insufficient_funds", "provider_insufficient_funds", 402, false],
    ["daily_limit", "provider_quota_exceeded", 402, false],
    ["forbidden", "provider_forbidden", 403, false],
    ["safety", "provider_safety_rejected", 422, false],
    ["inflight_limit", "provider_inflight_limit", 429, true],
    ["429", "provider_rate_limited", 429, true],
    ["500", "provider_unavailable", 500, true],
    ["503", "provider_unavailable", 503, true],
    ["malformed", "provider_invalid_response", undefined, false],
  ];
  it.each(cases)("failNext %s → %s", async (outcome, code, status, retryable) => {
    fake.configure({ failNext: [outcome] });
    const err = await failureOf(ideogramProvider.generate(input(), realCtx(fake.url)), code);
    expect(err.status).toBe(status);
    expect(err.retryable).toBe(retryable);
    expect(err.provider).toBe("ideogram");
    if (status === 429) expect(err.retryAfterMs).toBe(1000);
  });

  it("maps a wrong key to provider_auth_failed", async () => {
    const err = await failureOf(
      ideogramProvider.generate(input(), realCtx(fake.url, { apiKey: "wrong" })),
      "provider_auth_failed",
    );
    expect(err.status).toBe(401);
  });

  it("fails as provider_not_configured without a key, without calling out", async () => {
    await failureOf(
      ideogramProvider.generate(input(), realCtx(fake.url, { apiKey: undefined })),
      "provider_not_configured",
    );
    expect(fake.stats().calls).toBe(0);
  });

  it("rejects more images than Ideogram allows before calling", async () => {
    await failureOf(
      ideogramProvider.generate(input({ num_images: 9 }), realCtx(fake.url)),
      "provider_unsupported_input",
    );
    expect(fake.stats().calls).toBe(0);
  });

  it("times out a hanging call as provider_timeout", async () => {
    fake.configure({ failNext: ["timeout"] });
    const started = Date.now();
    await failureOf(
      ideogramProvider.generate(input(), realCtx(fake.url, { requestTimeoutMs: 300 })),
      "provider_timeout",
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("answers 503 for everything while the provider is down", async () => {
    fake.configure({ down: true });
    await failureOf(ideogramProvider.generate(input(), realCtx(fake.url)), "provider_unavailable");
  });

  it("fails when an image URL has already expired", async () => {
    fake.configure({ failNext: ["expired"] });
    const err = await failureOf(
      ideogramProvider.generate(input(), realCtx(fake.url)),
      "provider_invalid_response",
    );
    expect(err.status).toBe(403);
    expect(fake.stats().expiredImageDownloads).toBe(1);
  });

  it("hits a real rate limit: 429 with Retry-After, counted by the fake", async () => {
    fake.configure({ rateLimit: { ratePerSecond: 0.5, burst: 1 } });
    await ideogramProvider.generate(input(), realCtx(fake.url));
    const err = await failureOf(
      ideogramProvider.generate(input(), realCtx(fake.url)),
      "provider_rate_limited",
    );
    expect(err.retryAfterMs).toBe(2000);
    expect(fake.stats().overLimitCalls).toBe(1);
  });

  it("hits the in-flight image limit when images overlap", async () => {
    fake.configure({ inflightLimit: 3, latencyMs: 300 });
    const first = ideogramProvider.generate(input({ num_images: 2 }), realCtx(fake.url));
    await new Promise((r) => setTimeout(r, 100));
    const err = await failureOf(
      ideogramProvider.generate(input({ num_images: 2 }), realCtx(fake.url)),
      "provider_inflight_limit",
    );
    expect(err.retryAfterMs).toBe(1000);
    expect((await first).images).toHaveLength(2);
    expect(fake.stats().overInflightCalls).toBe(1);
    expect(fake.stats().maxInFlightUnits).toBe(2);
  });

  it("maps a refused connection to provider_network_error", async () => {
    const closed = await startIdeogramFake();
    await closed.close();
    await failureOf(ideogramProvider.generate(input(), realCtx(closed.url)), "provider_network_error");
  });

  it("never lets the API key into an error, even when the provider echoes it", async () => {
    const secret = "sk-ideogram-SECRET-0123456789";
    fake.configure({ echoKeyInErrors: true });
    const err = await failureOf(
      ideogramProvider.generate(input(), realCtx(fake.url, { apiKey: secret })),
      "provider_auth_failed",
    );
    expect(err.message).toContain("[redacted]");
    expect(everyRendering(err)).not.toContain(secret);
    fake.configure({ failNext: ["timeout"] });
    const timeout = await failureOf(
      ideogramProvider.generate(input(), realCtx(fake.url, { apiKey: secret, requestTimeoutMs: 200 })),
    );
    expect(everyRendering(timeout)).not.toContain(secret);
  });
});
