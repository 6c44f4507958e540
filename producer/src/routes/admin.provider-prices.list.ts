import { createRoute, z } from "@hono/zod-openapi";
import { listInstancePrices } from "../../../shared/providers/price-admin";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";
import { PRICE_NOTE, ProviderPriceSchema, serializeProviderPrice } from "../schemas/provider-prices";

const ProviderPriceListSchema = z
  .object({
    object: z.literal("list").openapi({ description: "Always `list`", example: "list" }),
    data: z.array(ProviderPriceSchema).openapi({
      description: "The providers the instance set a price for, in a fixed order; the others use list prices",
      example: [{ provider: "stability", per_image_usd: 0.025 }],
    }),
  })
  .openapi("ProviderPriceList");
export type ProviderPriceList = z.infer<typeof ProviderPriceListSchema>;

export const listProviderPricesRoute = createRoute({
  method: "get",
  path: "/v1/admin/provider-prices",
  tags: ["admin"],
  summary: "The instance's own provider prices",
  description: `The prices the admin key's instance set, per provider. ${PRICE_NOTE} Admin keys only.`,
  responses: {
    200: {
      description: "The instance's prices",
      content: { "application/json": { schema: ProviderPriceListSchema } },
    },
    ...problemResponses(...adminErrors),
  },
});

export function registerListProviderPrices(app: App) {
  app.openapi(listProviderPricesRoute, async (c) => {
    const prices = await listInstancePrices(c.get("db"), c.get("principal").instanceId);
    return c.json({ object: "list" as const, data: prices.map(serializeProviderPrice) }, 200);
  });
}
