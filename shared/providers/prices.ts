// List prices in USD per generated image, used for the cost estimate stored with each job.
// Sources, as best known in 2025 (check before relying on them for billing):
// - Ideogram API pricing page: v3 TURBO $0.03, DEFAULT $0.06, QUALITY $0.09 per image.
// - OpenAI image pricing: gpt-image-1 medium ≈ $0.042 at 1024x1024, ≈ $0.063 at 1536x1024;
//   dall-e-3 standard $0.04 at 1024x1024, $0.08 at 1792x1024; dall-e-2 $0.02 at 1024x1024.
// - Replicate model pages: flux-schnell $0.003, flux-dev $0.025, flux-1.1-pro $0.04 per image.
import type { AspectRatio, ProviderName } from "../jobs/enums";

export interface ModelPrice {
  /** USD per square image. */
  perImage: number;
  /** USD per non-square image, where the provider charges more for the larger canvas. */
  perImageWide?: number;
}

interface ProviderPrices {
  defaultModel: string;
  models: Readonly<Record<string, ModelPrice>>;
}

export const priceTable: Readonly<Record<ProviderName, ProviderPrices>> = {
  demo: { defaultModel: "demo", models: { demo: { perImage: 0 } } },
  ideogram: {
    defaultModel: "V_3",
    models: { V_3_TURBO: { perImage: 0.03 }, V_3: { perImage: 0.06 }, V_3_QUALITY: { perImage: 0.09 } },
  },
  openai: {
    defaultModel: "gpt-image-1",
    models: {
      "gpt-image-1": { perImage: 0.042, perImageWide: 0.063 },
      "dall-e-3": { perImage: 0.04, perImageWide: 0.08 },
      "dall-e-2": { perImage: 0.02 },
    },
  },
  replicate: {
    defaultModel: "black-forest-labs/flux-schnell",
    models: {
      "black-forest-labs/flux-schnell": { perImage: 0.003 },
      "black-forest-labs/flux-dev": { perImage: 0.025 },
      "black-forest-labs/flux-1.1-pro": { perImage: 0.04 },
    },
  },
};

/**
 * USD for one image of `model` (version suffix `owner/name:hash` ignored). An unknown model is
 * priced as the provider's default one: an estimate that is roughly right beats zero.
 */
export function pricePerImageUsd(provider: ProviderName, model?: string, aspectRatio?: AspectRatio): number {
  const table = priceTable[provider];
  const key = model?.split(":")[0];
  const price = (key && table.models[key]) || table.models[table.defaultModel];
  if (!price) return 0;
  const square = !aspectRatio || aspectRatio === "1x1";
  return square ? price.perImage : (price.perImageWide ?? price.perImage);
}

/** USD for a whole job, rounded to 1e-5 so float noise does not show in stored estimates. */
export function estimateCostUsd(
  provider: ProviderName,
  input: { num_images: number; aspect_ratio?: AspectRatio },
  model?: string,
): number {
  const total = pricePerImageUsd(provider, model, input.aspect_ratio) * input.num_images;
  return Math.round(total * 1e5) / 1e5;
}
