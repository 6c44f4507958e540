// Checks every adapter makes before spending a request: a key when one is needed, and input
// the provider can take. Both fail permanently: retrying cannot fix configuration or input.
import { ProviderError } from "./errors";
import type { ImageInput, ProviderCallContext, ProviderCapabilities } from "./types";

export function requireKey(ctx: Pick<ProviderCallContext, "apiKey">, provider: string): string {
  if (!ctx.apiKey) {
    throw new ProviderError({
      code: "provider_not_configured",
      message: `${provider}: no API key configured`,
      provider,
    });
  }
  return ctx.apiKey;
}

export function checkInput(input: ImageInput, caps: ProviderCapabilities, provider: string): void {
  const unsupported = (why: string) =>
    new ProviderError({ code: "provider_unsupported_input", message: `${provider}: ${why}`, provider });
  if (!caps.aspectRatios.includes(input.aspect_ratio)) {
    throw unsupported(`aspect ratio ${input.aspect_ratio} is not supported`);
  }
  if (!Number.isInteger(input.num_images) || input.num_images < 1 || input.num_images > caps.maxImages) {
    throw unsupported(`num_images must be 1..${caps.maxImages}`);
  }
}

/** "16x9" → [16, 9]: our aspect ratio spelling, read as numbers. */
export function ratioParts(ratio: string): [number, number] {
  const [w, h] = ratio.split("x").map(Number);
  return [w ?? 1, h ?? 1];
}
