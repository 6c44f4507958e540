// What the provider-limits and fallback routes share: PICKUP_NOTE, the limit schema, the provider param.
import { z } from "@hono/zod-openapi";
import { providerNames } from "../../../shared/jobs/enums";
import { type EffectiveProviderLimit, limitSources } from "../../../shared/pacing/limits-admin";

/** Said on every limits route: the consumer reads instance settings through a 30 s cache. */
export const PICKUP_NOTE = "Consumers pick a change up within 30 seconds (their per-isolate settings cache).";

export const ProviderLimitSchema = z
  .object({
    provider: z.enum(providerNames).openapi({ description: "The provider", example: "ideogram" }),
    rate_per_second: z.number().openapi({
      description: "Sustained requests per second the consumer sends this provider (token refill rate)",
      example: 1.5,
    }),
    burst: z.number().int().openapi({
      description: "Requests that may go out at once after a quiet spell (bucket size)",
      example: 3,
    }),
    max_in_flight: z.number().int().openapi({
      description: "Most requests (or units, e.g. Ideogram images) running at once",
      example: 10,
    }),
    tokens_per_minute: z.number().int().nullable().openapi({
      description:
        "Text jobs only: prompt + completion tokens per minute (a call takes its prompt and max_tokens up front and gets back what it did not use); null: not limited, or the provider runs no text",
      example: 200000,
    }),
    source: z.enum(limitSources).openapi({
      description: "`instance`: this instance's own limits; `default`: the provider's built-in defaults",
      example: "instance",
    }),
  })
  .openapi("ProviderLimit");
export type ProviderLimit = z.infer<typeof ProviderLimitSchema>;

export const ProviderParamSchema = z.object({
  provider: z.enum(providerNames).openapi({
    param: { name: "provider", in: "path" },
    description: "The provider whose limits to change",
    example: "ideogram",
  }),
});

export function serializeProviderLimit(limit: EffectiveProviderLimit): ProviderLimit {
  return {
    provider: limit.provider,
    rate_per_second: limit.ratePerSecond,
    burst: limit.burst,
    max_in_flight: limit.maxInFlight,
    tokens_per_minute: limit.tokensPerMinute ?? null,
    source: limit.source,
  };
}
