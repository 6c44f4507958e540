// How a provider's list prices (declared in its own folder) turn into the cost estimate stored
// with each job.
import type { AspectRatio } from "../jobs/enums";
import type { ProviderPrices } from "./types";

/**
 * USD for one image of `model` (version suffix `owner/name:hash` ignored). An unknown model is
 * priced as the provider's default one: an estimate that is roughly right beats zero.
 */
export function pricePerImageUsd(prices: ProviderPrices, model?: string, aspectRatio?: AspectRatio): number {
  const key = model?.split(":")[0];
  const price = (key && prices.models[key]) || prices.models[prices.defaultModel];
  if (!price) return 0;
  const square = !aspectRatio || aspectRatio === "1x1";
  return square ? price.perImage : (price.perImageWide ?? price.perImage);
}

/** USD for a whole job, rounded to 1e-5 so float noise does not show in stored estimates. */
export function estimateCostUsd(
  prices: ProviderPrices,
  input: { num_images: number; aspect_ratio?: AspectRatio },
  model?: string,
): number {
  const total = pricePerImageUsd(prices, model, input.aspect_ratio) * input.num_images;
  return Math.round(total * 1e5) / 1e5;
}
