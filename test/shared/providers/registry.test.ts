import { describe, expect, it } from "vitest";
import { providerNames } from "../../../shared/jobs/enums";
import { pricePerImageUsd } from "../../../shared/providers/prices";
import {
  defaultProviderName,
  getProvider,
  isProviderName,
  providerEnvPrefix,
  providers,
  resolveProviderConfig,
} from "../../../shared/providers/registry";

describe("registry", () => {
  it("has one adapter per provider name, named after it", () => {
    for (const name of providerNames) expect(getProvider(name).name).toBe(name);
    expect(Object.keys(providers).sort()).toEqual([...providerNames].sort());
    expect(isProviderName("openai")).toBe(true);
    expect(isProviderName("midjourney")).toBe(false);
  });

  it("declares the documented base URLs and default limits", () => {
    expect(providers.ideogram.defaultBaseUrl).toBe("https://api.ideogram.ai");
    expect(providers.openai.defaultBaseUrl).toBe("https://api.openai.com");
    expect(providers.replicate.defaultBaseUrl).toBe("https://api.replicate.com");
    expect(providers.ideogram.defaultLimits).toEqual({ ratePerSecond: 1, burst: 2, maxInFlight: 10 });
    expect(providers.openai.defaultLimits).toEqual({ ratePerSecond: 1, burst: 3, maxInFlight: 5 });
    expect(providers.replicate.defaultLimits).toEqual({ ratePerSecond: 10, burst: 10, maxInFlight: 10 });
    expect(providers.ideogram.capabilities.maxImages).toBe(8);
    expect([providers.ideogram, providers.openai, providers.replicate].every((p) => p.requiresKey)).toBe(
      true,
    );
  });

  it("names env vars by an upper-case prefix", () => {
    expect(providerEnvPrefix("ideogram")).toBe("IDEOGRAM");
    expect(providerEnvPrefix("replicate")).toBe("REPLICATE");
  });

  it("resolves key, base URL and model from the environment", () => {
    const env = {
      OPENAI_API_KEY: " sk-1 ",
      OPENAI_BASE_URL: "http://127.0.0.1:9102/",
      OPENAI_MODEL: "dall-e-3",
    };
    expect(resolveProviderConfig(env, "openai")).toEqual({
      apiKey: "sk-1",
      baseUrl: "http://127.0.0.1:9102",
      model: "dall-e-3",
    });
  });

  it("falls back to the adapter's base URL and treats empty or non-string vars as unset", () => {
    const env = { IDEOGRAM_API_KEY: "", IDEOGRAM_BASE_URL: "  ", IDEOGRAM_MODEL: 3 };
    expect(resolveProviderConfig(env, "ideogram")).toEqual({ baseUrl: "https://api.ideogram.ai" });
  });

  it("picks DEFAULT_PROVIDER only when it can run here", () => {
    expect(defaultProviderName({})).toBe("demo");
    expect(defaultProviderName({ DEFAULT_PROVIDER: "ideogram" })).toBe("demo");
    expect(defaultProviderName({ DEFAULT_PROVIDER: "ideogram", IDEOGRAM_API_KEY: "k" })).toBe("ideogram");
    expect(defaultProviderName({ DEFAULT_PROVIDER: "Replicate", REPLICATE_API_KEY: "r8" })).toBe("replicate");
    expect(defaultProviderName({ DEFAULT_PROVIDER: "demo" })).toBe("demo");
    expect(defaultProviderName({ DEFAULT_PROVIDER: "midjourney", OPENAI_API_KEY: "k" })).toBe("demo");
  });
});

describe("prices", () => {
  it("prices per provider and model, defaulting unknown models to the provider's default", () => {
    expect(pricePerImageUsd("ideogram", "V_3_TURBO")).toBe(0.03);
    expect(pricePerImageUsd("ideogram", "V_3")).toBe(0.06);
    expect(pricePerImageUsd("openai", "gpt-image-1", "1x1")).toBe(0.042);
    expect(pricePerImageUsd("openai", "gpt-image-1", "16x9")).toBe(0.063);
    expect(pricePerImageUsd("openai", "dall-e-3")).toBe(0.04);
    expect(pricePerImageUsd("replicate", "black-forest-labs/flux-schnell:abc123")).toBe(0.003);
    expect(pricePerImageUsd("replicate", "someone/unknown")).toBe(0.003);
    expect(pricePerImageUsd("demo")).toBe(0);
  });

  it("estimates a job through each adapter", () => {
    const job = { prompt: "p", aspect_ratio: "1x1" as const, num_images: 4 };
    expect(providers.replicate.estimateCostUsd(job)).toBeCloseTo(0.012, 6);
    expect(providers.ideogram.estimateCostUsd(job, "V_3_QUALITY")).toBeCloseTo(0.36, 6);
    expect(providers.demo.estimateCostUsd(job)).toBe(0);
  });
});
