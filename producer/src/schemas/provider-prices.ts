// What the provider-prices routes share: the price as answered, the provider path parameter.
import { z } from "@hono/zod-openapi";
import { providerNames } from "../../../shared/jobs/enums";
import type { InstancePrice } from "../../../shared/providers/price-admin";

/** Said on every prices route: what the price is for, and when a change applies. */
export const PRICE_NOTE =
  "Provider selection (`provider: cheapest` and the quality tiers) ranks by this price instead of " +
  "the provider's list price, for jobs ranked after the change; jobs' own `cost_usd` estimates " +
  "keep the list price.";

export const ProviderPriceSchema = z
  .object({
    provider: z.enum(providerNames).openapi({ description: "The provider", example: "stability" }),
    per_image_usd: z.number().openapi({
      description: "The instance's price per generated image, USD, whatever the model",
      example: 0.025,
    }),
  })
  .openapi("ProviderPrice");
export type ProviderPrice = z.infer<typeof ProviderPriceSchema>;

export const PriceProviderParamSchema = z.object({
  provider: z.enum(providerNames).openapi({
    param: { name: "provider", in: "path" },
    description: "The provider whose price to change",
    example: "stability",
  }),
});

export function serializeProviderPrice(price: InstancePrice): ProviderPrice {
  return { provider: price.provider, per_image_usd: price.perImageUsd };
}
