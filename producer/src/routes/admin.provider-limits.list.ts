import { createRoute, z } from "@hono/zod-openapi";
import { adminErrors, problemResponses } from "../problem";
import { providerNames } from "../../../shared/jobs/enums";
import {
  type EffectiveProviderLimit,
  limitSources,
  listEffectiveLimits,
} from "../../../shared/pacing/limits-admin";
import type { App } from "../app";

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

const ProviderLimitListSchema = z
  .object({
    object: z.literal("list").openapi({ description: "Always `list`", example: "list" }),
    data: z.array(ProviderLimitSchema).openapi({
      description: "One entry per known provider, in a fixed order: the limits in effect",
      example: [
        { provider: "ideogram", rate_per_second: 1.5, burst: 3, max_in_flight: 10, source: "instance" },
        { provider: "openai", rate_per_second: 1, burst: 3, max_in_flight: 5, source: "default" },
      ],
    }),
  })
  .openapi("ProviderLimitList");
export type ProviderLimitList = z.infer<typeof ProviderLimitListSchema>;

export function serializeProviderLimit(limit: EffectiveProviderLimit): ProviderLimit {
  return {
    provider: limit.provider,
    rate_per_second: limit.ratePerSecond,
    burst: limit.burst,
    max_in_flight: limit.maxInFlight,
    source: limit.source,
  };
}

export const listProviderLimitsRoute = createRoute({
  method: "get",
  path: "/v1/admin/provider-limits",
  tags: ["admin"],
  summary: "The pacing limits in effect for every provider",
  description:
    "For each provider, the admin key's instance's own limits when it set some, else the provider's " +
    `defaults. ${PICKUP_NOTE} Admin keys only.`,
  responses: {
    200: {
      description: "The effective limits, one entry per provider",
      content: { "application/json": { schema: ProviderLimitListSchema } },
    },
    ...problemResponses(...adminErrors),
  },
});

export function registerListProviderLimits(app: App) {
  app.openapi(listProviderLimitsRoute, async (c) => {
    const limits = await listEffectiveLimits(c.get("db"), c.get("principal").instanceId);
    return c.json({ object: "list" as const, data: limits.map(serializeProviderLimit) }, 200);
  });
}
