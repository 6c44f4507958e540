import { createRoute, z } from "@hono/zod-openapi";
import { adminErrors, problemResponses } from "../problem";
import { listEffectiveLimits } from "../../../shared/pacing/limits-admin";
import type { App } from "../app";
import { PICKUP_NOTE, ProviderLimitSchema, serializeProviderLimit } from "../schemas/provider-limits";

const ProviderLimitListSchema = z
  .object({
    object: z.literal("list").openapi({ description: "Always `list`", example: "list" }),
    data: z.array(ProviderLimitSchema).openapi({
      description: "One entry per known provider, in a fixed order: the limits in effect",
      example: [
        {
          provider: "ideogram",
          rate_per_second: 1.5,
          burst: 3,
          max_in_flight: 10,
          tokens_per_minute: null,
          source: "instance",
        },
        {
          provider: "openai",
          rate_per_second: 1,
          burst: 3,
          max_in_flight: 5,
          tokens_per_minute: 200000,
          source: "default",
        },
      ],
    }),
  })
  .openapi("ProviderLimitList");
export type ProviderLimitList = z.infer<typeof ProviderLimitListSchema>;

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
