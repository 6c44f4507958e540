import { createRoute, z } from "@hono/zod-openapi";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { setInstanceLimit } from "../../../shared/pacing/limits-admin";
import type { App } from "../app";
import {
  PICKUP_NOTE,
  ProviderLimitSchema,
  ProviderParamSchema,
  serializeProviderLimit,
} from "../schemas/provider-limits";

const MAX_LIMIT = 10_000;

const PutBodySchema = z
  .object({
    rate_per_second: z.number().positive().max(MAX_LIMIT).multipleOf(0.001).openapi({
      description:
        "Sustained requests per second: above 0, at most 10000, up to 3 decimals (0.2 = one every 5 s)",
      example: 1.5,
    }),
    burst: z.number().int().min(1).max(MAX_LIMIT).openapi({
      description: "Requests that may go out at once after a quiet spell: an integer from 1 to 10000",
      example: 3,
    }),
    max_in_flight: z.number().int().min(1).max(MAX_LIMIT).openapi({
      description: "Most requests running at once: an integer from 1 to 10000",
      example: 10,
    }),
    tokens_per_minute: z.number().int().min(1).max(100_000_000).nullable().optional().openapi({
      description:
        "Text jobs: tokens per minute for this provider, 1 to 100,000,000; null or absent: the provider's default",
      example: 200000,
    }),
  })
  .strict()
  .openapi("PutProviderLimitRequest");

export const putProviderLimitRoute = createRoute({
  method: "put",
  path: "/v1/admin/provider-limits/{provider}",
  tags: ["admin"],
  summary: "Set the instance's own pacing limits for a provider",
  description:
    "Replaces the limits of the admin key's instance for this provider (all three values at once). " +
    `${PICKUP_NOTE} An unknown provider is a 400. Admin keys only.`,
  request: {
    params: ProviderParamSchema,
    body: { required: true, content: { "application/json": { schema: PutBodySchema } } },
  },
  responses: {
    200: {
      description: "The limits now in effect for the provider (`source` is `instance`)",
      content: { "application/json": { schema: ProviderLimitSchema } },
    },
    ...problemResponses(...adminErrors, ...jsonBodyErrors),
  },
});
export type PutProviderLimitRequest = z.infer<typeof PutBodySchema>;
export type PutProviderLimitParams = z.infer<typeof ProviderParamSchema>;

export function registerPutProviderLimit(app: App) {
  app.openapi(putProviderLimitRoute, async (c) => {
    const { provider } = c.req.valid("param");
    const body = c.req.valid("json");
    const values = {
      ratePerSecond: body.rate_per_second,
      burst: body.burst,
      maxInFlight: body.max_in_flight,
      tokensPerMinute: body.tokens_per_minute ?? null,
    };
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    const limit = await setInstanceLimit(ctx, c.get("principal").instanceId, provider, values);
    return c.json(serializeProviderLimit(limit), 200);
  });
}
