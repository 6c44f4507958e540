// The quality tier of each provider's models, for jobs asking for `quality:<tier>`. A tier strategy
// picks among the providers whose configured model is in that tier; it does not switch models.
// Basis: each vendor's own positioning of its models (its "turbo / schnell / flash" line is the
// fast draft one, its "quality / ultra / pro" line the top one) and the list prices of the price
// tables beside the adapters, which follow the same bands. The offline demo draws gradients: draft.
// No imports from the adapters: jobs/schemas.ts reaches this file through selection.ts.
import type { ProviderName } from "./names";

export const qualityTiers = ["draft", "standard", "high"] as const;
export type QualityTier = (typeof qualityTiers)[number];

/** Models by provider, in the spelling the adapters normalise configured names to. */
export const modelTiers: Readonly<Record<ProviderName, Readonly<Record<string, QualityTier>>>> = {
  demo: { "demo-gradient-v1": "draft" },
  ideogram: { V_3_TURBO: "draft", V_3: "standard", V_3_QUALITY: "high" },
  openai: { "dall-e-2": "draft", "dall-e-3": "standard", "gpt-image-1": "high" },
  // Text only: image strategies never pick it.
  "openai-compatible": {},
  replicate: {
    "black-forest-labs/flux-schnell": "draft",
    "black-forest-labs/flux-dev": "standard",
    "black-forest-labs/flux-1.1-pro": "high",
  },
  stability: {
    "sd3.5-flash": "draft",
    "sd3.5-large-turbo": "draft",
    "sd3.5-medium": "standard",
    core: "standard",
    "sd3.5-large": "high",
    ultra: "high",
  },
  "workers-ai": {
    "@cf/black-forest-labs/flux-1-schnell": "draft",
    "@cf/bytedance/stable-diffusion-xl-lightning": "draft",
    "@cf/lykon/dreamshaper-8-lcm": "draft",
    "@cf/stabilityai/stable-diffusion-xl-base-1.0": "standard",
  },
};

/** A model the table does not list (a pinned Replicate version, a new model) counts as standard. */
export function tierOf(provider: ProviderName, model: string): QualityTier {
  return modelTiers[provider][model.split(":")[0] ?? model] ?? "standard";
}
