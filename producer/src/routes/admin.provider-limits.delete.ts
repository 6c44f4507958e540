import { createRoute, type z } from "@hono/zod-openapi";
import { adminErrors, problemResponses } from "../problem";
import { resetInstanceLimit } from "../../../shared/pacing/limits-admin";
import type { App } from "../app";
import { PICKUP_NOTE, ProviderParamSchema } from "../schemas/provider-limits";

export const deleteProviderLimitRoute = createRoute({
  method: "delete",
  path: "/v1/admin/provider-limits/{provider}",
  tags: ["admin"],
  summary: "Put a provider back on its default pacing limits",
  description:
    "Removes the instance's own limits for the provider; a provider already on its defaults is left " +
    `as it is (still 204). ${PICKUP_NOTE} An unknown provider is a 400. Admin keys only.`,
  request: { params: ProviderParamSchema },
  responses: {
    204: { description: "The provider is on its defaults" },
    ...problemResponses(...adminErrors, "validation_failed", "payload_too_large"),
  },
});
export type DeleteProviderLimitParams = z.infer<typeof ProviderParamSchema>;

export function registerDeleteProviderLimit(app: App) {
  app.openapi(deleteProviderLimitRoute, async (c) => {
    const { provider } = c.req.valid("param");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    await resetInstanceLimit(ctx, c.get("principal").instanceId, provider);
    return c.body(null, 204);
  });
}
