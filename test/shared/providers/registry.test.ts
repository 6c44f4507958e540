import { describe, expect, it } from "vitest";
import { providerNames } from "../../../shared/jobs/enums";
import { pricePerImageUsd } from "../../../shared/providers/prices";
import {
  runsJobType,
  allProviderEnvVars,
  callsApi,
  defaultProviderName,
  getProvider,
  isProviderName,
  providerEnvVars,
  providers,
  resolveProviderConfig,
} from "../../../shared/providers/registry";
import { BINDING_BASE_URL, OFFLINE_BASE_URL } from "../../../shared/providers/types";
import { fakeSpecOf, fakedProviders } from "../../fakes/registry";

// What the rest derives from each entry: the name enum, prices, the env vars `npm start` passes
// through, and the fake `npm run fake-provider` starts. A new provider that lacks one fails here.
describe("every registry entry", () => {
  const imageProviders = providerNames.filter((name) => runsJobType(name, "image.generate"));
  it.each(providerNames)("%s: is named after its key", (name) => {
    expect(providers[name].name).toBe(name);
  });

  it.each(imageProviders)("%s: prices its default image model", (name) => {
    const adapter = providers[name];
    const { defaultModel, models } = adapter.prices;
    expect(models[defaultModel], `${name} has no price for its default model`).toBeDefined();
    for (const price of Object.values(models)) {
      expect(price.perImage).toBeGreaterThanOrEqual(0);
      expect(price.perImageWide ?? price.perImage).toBeGreaterThanOrEqual(price.perImage);
    }
    const job = { prompt: "p", aspect_ratio: "1x1" as const, num_images: 2 };
    expect(adapter.estimateCostUsd(job)).toBeCloseTo(2 * pricePerImageUsd(adapter.prices), 6);
  });

  it.each(providerNames)(
    "%s: calls an https API, a binding or nothing, with positive default limits",
    (name) => {
      const { defaultBaseUrl, defaultLimits, capabilities, binding } = providers[name];
      if (binding) expect(defaultBaseUrl).toBe(BINDING_BASE_URL);
      // A self-hosted compatible server defaults to a local one (plain http on loopback).
      else if (name === "openai-compatible") expect(defaultBaseUrl).toBe("http://localhost:11434");
      else if (defaultBaseUrl !== OFFLINE_BASE_URL) expect(new URL(defaultBaseUrl).protocol).toBe("https:");
      for (const limit of Object.values(defaultLimits)) expect(limit).toBeGreaterThan(0);
      const images = runsJobType(name, "image.generate");
      expect(capabilities.maxImages > 0).toBe(images);
      expect(capabilities.aspectRatios.length > 0).toBe(images);
      // A provider runs text exactly when it has a text part with a priced default model.
      const text = providers[name].text;
      expect(runsJobType(name, "text.generate")).toBe(text !== undefined);
      if (text && name !== "openai-compatible")
        expect(text.prices.models[text.prices.defaultModel]).toBeDefined();
    },
  );

  it.each(providerNames)("%s: has env vars of its own, all passed through by npm start", (name) => {
    const vars = Object.values(providerEnvVars(name));
    expect(vars.every((v) => /^[A-Z][A-Z0-9_]*$/.test(v))).toBe(true);
    expect(allProviderEnvVars()).toEqual(expect.arrayContaining(vars));
  });

  it("gives no two providers the same env var", () => {
    const all = allProviderEnvVars();
    expect(new Set(all).size).toBe(all.length);
  });

  it.each(providerNames.filter(callsApi))("%s: has a fake at test/fakes/<name>.ts", async (name) => {
    expect((await fakeSpecOf(name)).name).toBe(name);
  });

  it("fakes exactly the providers that call an API", () => {
    expect(fakedProviders).toEqual(["ideogram", "openai", "openai-compatible", "replicate", "stability"]);
    expect(callsApi("demo")).toBe(false);
  });
});

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
    expect(providerEnvVars("ideogram")).toEqual({
      apiKey: "IDEOGRAM_API_KEY",
      baseUrl: "IDEOGRAM_BASE_URL",
      model: "IDEOGRAM_MODEL",
    });
    expect(allProviderEnvVars()).toContain("DEFAULT_PROVIDER");
    expect(allProviderEnvVars()).toContain("REPLICATE_API_KEY");
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
    const price = (name: keyof typeof providers, model?: string, ratio?: "1x1" | "16x9") =>
      pricePerImageUsd(providers[name].prices, model, ratio);
    expect(price("ideogram", "V_3_TURBO")).toBe(0.03);
    expect(price("ideogram", "V_3")).toBe(0.06);
    expect(price("openai", "gpt-image-1", "1x1")).toBe(0.042);
    expect(price("openai", "gpt-image-1", "16x9")).toBe(0.063);
    expect(price("openai", "dall-e-3")).toBe(0.04);
    expect(price("replicate", "black-forest-labs/flux-schnell:abc123")).toBe(0.003);
    expect(price("replicate", "someone/unknown")).toBe(0.003);
    expect(price("demo")).toBe(0);
  });

  it("estimates a job through each adapter", () => {
    const job = { prompt: "p", aspect_ratio: "1x1" as const, num_images: 4 };
    expect(providers.replicate.estimateCostUsd(job)).toBeCloseTo(0.012, 6);
    expect(providers.ideogram.estimateCostUsd(job, "V_3_QUALITY")).toBeCloseTo(0.36, 6);
    expect(providers.openai.estimateCostUsd({ ...job, aspect_ratio: "16x9" })).toBeCloseTo(0.252, 6);
    expect(providers.demo.estimateCostUsd(job)).toBe(0);
  });
});
