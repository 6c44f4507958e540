// Contract tests: the real Replicate adapter against the fake Replicate over loopback.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ProviderErrorCode } from "../../../shared/providers/errors";
import { preferWaitSeconds, replicateProvider } from "../../../shared/providers/replicate";
import { classifyPredictionError } from "../../../shared/providers/replicate/prediction";
import { sizeForRatio } from "../../fakes/png";
import { startReplicateFake } from "../../fakes/replicate";
import type { RunningFake } from "../../fakes/server";
import { PNG_SIGNATURE, everyRendering, failureOf, input, realCtx } from "./provider-context";

let fake: RunningFake;
beforeAll(async () => {
  fake = await startReplicateFake();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.configure({ failNext: [], echoKeyInErrors: false, predictionStartMs: 50, predictionRunMs: 150 });
  fake.reset();
});

const VERSION = "5599ed30703defd1d160a25a63321b4dec97101d98b4674bcc56e41f62f35637";

describe("replicate adapter: success", () => {
  it("creates an official-model prediction with Prefer: wait and Cancel-After, and downloads the outputs", async () => {
    const result = await replicateProvider.generate(
      input({ aspect_ratio: "16x9", num_images: 2, seed: 7, negative_prompt: "text" }),
      realCtx(fake.url, { requestTimeoutMs: 10_000 }),
    );
    const stats = fake.stats();
    const create = stats.requests[0];
    expect(create?.method).toBe("POST");
    expect(create?.path).toBe("/v1/models/black-forest-labs/flux-schnell/predictions");
    expect(create?.headers.authorization).toBe("Bearer test-key");
    expect(create?.headers.prefer).toBe("wait=8");
    expect(create?.headers["cancel-after"]).toBe("130s");
    expect(create?.json).toEqual({
      input: {
        prompt: "a red fox in the snow\n\nAvoid: text",
        aspect_ratio: "16:9",
        num_outputs: 2,
        seed: 7,
        output_format: "png",
      },
    });
    // Done within the wait: no polling at all.
    expect(stats.requests).toHaveLength(1);
    const { width, height } = sizeForRatio("16:9");
    expect(result.images.map((i) => [i.width, i.height, i.seed])).toEqual([
      [width, height, 7],
      [width, height, 7],
    ]);
    expect([...(result.images[0]?.bytes.subarray(0, 8) ?? [])]).toEqual(PNG_SIGNATURE);
    expect(result.model).toBe("black-forest-labs/flux-schnell");
  });

  it("uses POST /v1/predictions with the version for a pinned model", async () => {
    await replicateProvider.generate(
      input(),
      realCtx(fake.url, { model: `black-forest-labs/flux-schnell:${VERSION}` }),
    );
    const create = fake.stats().requests[0];
    expect(create?.path).toBe("/v1/predictions");
    expect(create?.json).toMatchObject({
      version: VERSION,
      input: { prompt: "a red fox in the snow", aspect_ratio: "1:1" },
    });
  });

  it("polls urls.get with backoff until the prediction succeeds", async () => {
    fake.configure({ predictionStartMs: 300, predictionRunMs: 1200 });
    const sleeps: number[] = [];
    const ctx = realCtx(fake.url, {
      requestTimeoutMs: 2500, // too short for any Prefer: wait
      sleep: (ms) => {
        sleeps.push(ms);
        return new Promise((r) => setTimeout(r, ms));
      },
    });
    const result = await replicateProvider.generate(input(), ctx);
    const reqs = fake.stats().requests;
    expect(reqs[0]?.headers.prefer).toBeUndefined();
    const polls = reqs.filter((r) => r.method === "GET");
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(
      polls.every(
        (r) =>
          r.path === `/v1/predictions/${polls[0]?.path.split("/").pop()}` &&
          r.headers.authorization === "Bearer test-key",
      ),
    ).toBe(true);
    expect(sleeps.slice(0, 3)).toEqual([500, 750, 1125]);
    expect(result.images).toHaveLength(1);
  });

  it("rides out a failed poll and keeps polling", async () => {
    fake.configure({ predictionStartMs: 100, predictionRunMs: 400 });
    let failedOnce = false;
    const flaky: typeof fetch = async (url, init) => {
      if (!failedOnce && (init?.method ?? "GET") === "GET" && String(url).includes("/v1/predictions/")) {
        failedOnce = true;
        throw new TypeError("fetch failed");
      }
      return fetch(url, init);
    };
    const result = await replicateProvider.generate(
      input(),
      realCtx(fake.url, { fetch: flaky, requestTimeoutMs: 2500 }),
    );
    expect(failedOnce).toBe(true);
    expect(result.images).toHaveLength(1);
  });

  it("cancels the prediction and throws provider_timeout at the deadline", async () => {
    fake.configure({ failNext: ["stuck"] });
    let clock = 1_000_000;
    const ctx = realCtx(fake.url, {
      requestTimeoutMs: 2500,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms; // a fake clock: 120 s of budget pass in a few real milliseconds
      },
    });
    const err = await failureOf(replicateProvider.generate(input(), ctx), "provider_timeout");
    expect(err.retryable).toBe(true);
    const reqs = fake.stats().requests;
    const cancel = reqs.at(-1);
    expect(cancel?.method).toBe("POST");
    expect(cancel?.path).toMatch(/^\/v1\/predictions\/\w+\/cancel$/);
    expect(cancel?.headers.authorization).toBe("Bearer test-key");
    const after = await fetch(`${fake.url}${cancel?.path.replace(/\/cancel$/, "")}`, {
      headers: { authorization: "Bearer test-key" },
    });
    expect(((await after.json()) as { status: string }).status).toBe("canceled");
  });

  it("caps Prefer: wait at 60 s, the budget left and the request timeout", () => {
    expect(preferWaitSeconds(120_000, 300_000)).toBe(60);
    expect(preferWaitSeconds(20_500, 300_000)).toBe(20);
    expect(preferWaitSeconds(120_000, 30_000)).toBe(28);
    expect(preferWaitSeconds(120_000, 2_500)).toBe(0);
  });
});

describe("replicate adapter: errors", () => {
  const http: [string, ProviderErrorCode, number | undefined][] = [
    ["insufficient_funds", "provider_insufficient_funds", 402],
    ["404", "provider_bad_request", 404],
    ["422", "provider_bad_request", 422],
    ["429", "provider_rate_limited", 429],
    ["500", "provider_unavailable", 500],
    ["503", "provider_unavailable", 503],
    ["malformed", "provider_invalid_response", undefined],
  ];
  it.each(http)("failNext %s → %s", async (outcome, code, status) => {
    fake.configure({ failNext: [outcome] });
    const err = await failureOf(replicateProvider.generate(input(), realCtx(fake.url)), code);
    expect(err.status).toBe(status);
    if (status === 429) expect(err.retryAfterMs).toBe(1000);
  });

  const outcomes: [string, ProviderErrorCode, boolean][] = [
    ["safety", "provider_safety_rejected", false],
    ["failed", "provider_bad_request", false],
    ["failed_oom", "provider_unavailable", true],
    ["canceled", "provider_unavailable", true],
  ];
  it.each(outcomes)("prediction outcome %s → %s", async (outcome, code, retryable) => {
    fake.configure({ failNext: [outcome] });
    const err = await failureOf(replicateProvider.generate(input(), realCtx(fake.url)), code);
    expect(err.retryable).toBe(retryable);
  });

  it("classifies a failure without a reason as retryable", () => {
    expect(classifyPredictionError(null)).toBe("provider_unavailable");
    expect(classifyPredictionError("Prediction interrupted; please retry (code: PA)")).toBe(
      "provider_unavailable",
    );
  });

  it("maps an unknown model (404) and a bad version (422) to provider_bad_request", async () => {
    const e404 = await failureOf(
      replicateProvider.generate(input(), realCtx(fake.url, { model: "acme/nope" })),
      "provider_bad_request",
    );
    expect(e404.status).toBe(404);
    const e422 = await failureOf(
      replicateProvider.generate(input(), realCtx(fake.url, { model: "acme/x:not-a-version" })),
      "provider_bad_request",
    );
    expect(e422.status).toBe(422);
    expect(e422.message).toContain("Invalid version");
  });

  it("rejects an aspect ratio FLUX does not take before calling", async () => {
    await failureOf(
      replicateProvider.generate(input({ aspect_ratio: "16x10" }), realCtx(fake.url)),
      "provider_unsupported_input",
    );
    expect(fake.stats().calls).toBe(0);
  });

  it("maps a wrong key to provider_auth_failed, and no key to provider_not_configured", async () => {
    await failureOf(
      replicateProvider.generate(input(), realCtx(fake.url, { apiKey: "r8_wrong" })),
      "provider_auth_failed",
    );
    await failureOf(
      replicateProvider.generate(input(), realCtx(fake.url, { apiKey: undefined })),
      "provider_not_configured",
    );
  });

  it("times out a hanging create call as provider_timeout", async () => {
    fake.configure({ failNext: ["timeout"] });
    await failureOf(
      replicateProvider.generate(input(), realCtx(fake.url, { requestTimeoutMs: 300 })),
      "provider_timeout",
    );
  });

  it("fails when an output URL has expired", async () => {
    fake.configure({ failNext: ["expired"] });
    const err = await failureOf(
      replicateProvider.generate(input(), realCtx(fake.url)),
      "provider_invalid_response",
    );
    expect(err.status).toBe(403);
  });

  it("never lets the API token into an error, even when echoed", async () => {
    const secret = "r8_SECRETtoken0123456789";
    fake.configure({ echoKeyInErrors: true });
    const err = await failureOf(
      replicateProvider.generate(input(), realCtx(fake.url, { apiKey: secret })),
      "provider_auth_failed",
    );
    expect(err.message).toContain("[redacted]");
    expect(everyRendering(err)).not.toContain(secret);
  });
});
