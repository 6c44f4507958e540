import { createRoute } from "@hono/zod-openapi";
import { resetInstancePrice } from "../../../shared/providers/price-admin";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";
import { PRICE_NOTE, PriceProviderParamSchema } from "../schemas/provider-prices";

export const deleteProviderPriceRoute = createRoute({
  method: "delete",
  path: "/v1/admin/provider-prices/{provider}",
  tags: ["admin"],
  summary: "Put a provider back on its list price",
  description: `Removes the instance's own price for the provider; a provider already on its list price is left as it is (still 204). ${PRICE_NOTE} An unknown provider is a 400. Admin keys only.`,
  request: { params: PriceProviderParamSchema },
  responses: {
    204: { description: "The provider is on its list price" },
    ...problemResponses(...adminErrors, "validation_failed", "payload_too_large"),
  },
});

export function registerDeleteProviderPrice(app: App) {
  app.openapi(deleteProviderPriceRoute, async (c) => {
    const { provider } = c.req.valid("param");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    await resetInstancePrice(ctx, c.get("principal").instanceId, provider);
    return c.body(null, 204);
  });
}
