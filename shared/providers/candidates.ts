// Each provider as a selection Candidate (selection.ts) for one job, from what the Worker knows
// without I/O: configured here, can take the input, the model it would run, its cost and tier.
// Circuit and latency are the consumer's to fill in, from the pacing objects.
import type { ImageInput } from "../jobs/input";
import { ideogramModel } from "./ideogram/index";
import { type ProviderName, providerNames } from "./names";
import { tierOf } from "./quality-tiers";
import { getProvider, providerConfigured, resolveProviderConfig } from "./registry";
import type { Candidate } from "./selection";
import { stabilityModel } from "./stability/index";
import { workersAiModel } from "./workers-ai/index";

/** The model a provider runs here, in its adapter's spelling (the one its price table uses). */
export function effectiveModel(env: Record<string, unknown>, provider: ProviderName): string {
  const configured = resolveProviderConfig(env, provider).model;
  if (provider === "ideogram") return ideogramModel(configured);
  if (provider === "stability") return stabilityModel(configured);
  if (provider === "workers-ai") return workersAiModel(configured);
  return configured ?? getProvider(provider).prices.defaultModel;
}

/** The adapter's capabilities, and the one model-level limit an adapter enforces on its own. */
export function acceptsInput(provider: ProviderName, model: string, input: ImageInput): boolean {
  const caps = getProvider(provider).capabilities;
  const fits =
    caps.aspectRatios.includes(input.aspect_ratio) &&
    Number.isInteger(input.num_images) &&
    input.num_images >= 1 &&
    input.num_images <= caps.maxImages;
  // workers-ai/index.ts refuses anything but 1x1 on FLUX schnell (its only output size).
  const fluxSquareOnly = provider === "workers-ai" && model.includes("flux") && input.aspect_ratio !== "1x1";
  return fits && !fluxSquareOnly;
}

/**
 * Every provider, as this Worker would run it for `input`, priced by the instance's own prices
 * where it set some (per image, provider_prices) and else by the adapters' list prices. The offline demo draws gradients for
 * free, so it is a candidate only where it is the default provider anyway (local development,
 * tests, an instance with no provider set up): elsewhere `cheapest` would always pick it.
 */
export function staticCandidates(
  env: Record<string, unknown>,
  input: ImageInput,
  defaultProvider: ProviderName,
  instancePrices: ReadonlyMap<string, number> = new Map(),
): Candidate[] {
  return providerNames.map((provider) => {
    const model = effectiveModel(env, provider);
    const configured = provider === "demo" ? defaultProvider === "demo" : providerConfigured(env, provider);
    const own = instancePrices.get(provider);
    return {
      provider,
      model,
      configured,
      acceptsInput: acceptsInput(provider, model, input),
      // The instance's own price per image (its contract) wins over the list price.
      costUsd:
        own === undefined
          ? getProvider(provider).estimateCostUsd(input, model)
          : Math.round(own * input.num_images * 1e5) / 1e5,
      tier: tierOf(provider, model),
      p50Ms: null,
      circuit: "closed",
    };
  });
}
