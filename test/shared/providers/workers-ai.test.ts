// Contract tests: the Workers AI adapter against a stand-in binding that answers and fails as the
// documented model schemas and error table say (the real binding needs an account).
import { beforeEach, describe, expect, it } from "vitest";
import type { ProviderErrorCode } from "../../../shared/providers/errors";
import { providerConfigured, providerEnvVars } from "../../../shared/providers/registry";
import { workersAiProvider } from "../../../shared/providers/workers-ai";
import { FakeAiBinding } from "../../fakes/workers-ai-binding";
import { PNG_SIGNATURE, failureOf, input, realCtx } from "./provider-context";

const SDXL = "@cf/bytedance/stable-diffusion-xl-lightning";
let ai: FakeAiBinding;
const ctx = (model?: string) => realCtx("binding:", { apiKey: undefined, ai, ...(model ? { model } : {}) });

beforeEach(() => {
  ai = new FakeAiBinding();
});

describe("workers-ai adapter", () => {
  it("runs FLUX.1 [schnell] by default with its documented inputs and decodes the base64 image", async () => {
    const result = await workersAiProvider.generate(input({ seed: 3 }), ctx());
    expect(ai.calls).toEqual([
      {
        model: "@cf/black-forest-labs/flux-1-schnell",
        inputs: { prompt: "a red fox in the snow", steps: 4 },
      },
    ]);
    const [image] = result.images;
    expect([image?.width, image?.height, image?.contentType]).toEqual([1024, 1024, "image/png"]);
    expect([...(image?.bytes.subarray(0, 8) ?? [])]).toEqual(PNG_SIGNATURE);
    // FLUX takes no seed: reporting the job's would claim a reproducibility it does not have.
    expect(image?.seed).toBeNull();
    expect(result.model).toBe("@cf/black-forest-labs/flux-1-schnell");
  });

  it("refuses a non-square job on FLUX before calling, and runs it on a Stable Diffusion model", async () => {
    await failureOf(
      workersAiProvider.generate(input({ aspect_ratio: "16x9" }), ctx()),
      "provider_unsupported_input",
    );
    expect(ai.calls).toHaveLength(0);

    const result = await workersAiProvider.generate(
      input({ aspect_ratio: "16x9", seed: 9, num_images: 2, negative_prompt: "blur" }),
      ctx(SDXL),
    );
    expect(ai.calls.map((c) => c.inputs)).toEqual([
      { prompt: "a red fox in the snow", negative_prompt: "blur", width: 1344, height: 768, seed: 9 },
      { prompt: "a red fox in the snow", negative_prompt: "blur", width: 1344, height: 768, seed: 10 },
    ]);
    expect(result.images.map((i) => [i.width, i.height, i.seed])).toEqual([
      [1344, 768, 9],
      [1344, 768, 10],
    ]);
  });

  const cases: [number | "internal", ProviderErrorCode, boolean][] = [
    [3036, "provider_quota_exceeded", false],
    [3040, "provider_unavailable", true],
    [3007, "provider_timeout", true],
    [5007, "provider_bad_request", false],
    [3006, "provider_bad_request", false],
    [5018, "provider_forbidden", false],
    ["internal", "provider_unavailable", true],
  ];
  it.each(cases)("maps the binding's error %s to %s", async (code, expected, retryable) => {
    ai.failNext = [code];
    const err = await failureOf(workersAiProvider.generate(input(), ctx()), expected);
    expect(err.retryable).toBe(retryable);
    if (typeof code === "number") expect(err.message).toContain(`${code}:`);
  });

  it("is not configured without the binding (local dev), and says how to add it", async () => {
    expect(providerConfigured({}, "workers-ai")).toBe(false);
    expect(providerConfigured({ AI: ai }, "workers-ai")).toBe(true);
    const err = await failureOf(
      workersAiProvider.generate(input(), realCtx("binding:", { apiKey: undefined })),
      "provider_not_configured",
    );
    expect(err.message).toContain('[ai] binding = "AI"');
    expect(providerEnvVars("workers-ai").model).toBe("WORKERS_AI_MODEL");
  });

  it("prices FLUX by its tiles and steps, and the beta models at 0", () => {
    expect(workersAiProvider.estimateCostUsd(input({ num_images: 2 }))).toBeCloseTo(0.00126, 5);
    expect(workersAiProvider.estimateCostUsd(input(), SDXL)).toBe(0);
  });
});
