import { createRoute, z } from "@hono/zod-openapi";
import { setInstancePrice } from "../../../shared/providers/price-admin";
import type { App } from "../app";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import {
  PRICE_NOTE,
  PriceProviderParamSchema,
  ProviderPriceSchema,
  serializeProviderPrice,
} from "../schemas/provider-prices";

const PutBodySchema = z
  .object({
    per_image_usd: z.number().min(0).max(100).openapi({
      description: "USD per generated image, from 0 to 100",
      example: 0.025,
    }),
  })
  .strict()
  .openapi("PutProviderPriceRequest");

export const putProviderPriceRoute = createRoute({
  method: "put",
  path: "/v1/admin/provider-prices/{provider}",
  tags: ["admin"],
  summary: "Set the instance's own price for a provider",
  description: `Replaces the admin key's instance's price per image for this provider. ${PRICE_NOTE} An unknown provider is a 400. Admin keys only.`,
  request: {
    params: PriceProviderParamSchema,
    body: { required: true, content: { "application/json": { schema: PutBodySchema } } },
  },
  responses: {
    200: {
      description: "The price now in effect for the provider",
      content: { "application/json": { schema: ProviderPriceSchema } },
    },
    ...problemResponses(...adminErrors, ...jsonBodyErrors),
  },
});
export type PutProviderPriceRequest = z.infer<typeof PutBodySchema>;

export function registerPutProviderPrice(app: App) {
  app.openapi(putProviderPriceRoute, async (c) => {
    const { provider } = c.req.valid("param");
    const { per_image_usd } = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    const price = await setInstancePrice(ctx, c.get("principal").instanceId, provider, per_image_usd);
    return c.json(serializeProviderPrice(price), 200);
  });
}
