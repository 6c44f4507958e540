import { createRoute } from "@hono/zod-openapi";
import { getFallbackProviders } from "../../../shared/db/queries/provider-limits";
import { adminErrors, problemResponses } from "../problem";
import type { App } from "../app";
import { FallbackProvidersSchema } from "../schemas/fallback-providers";
import { PICKUP_NOTE } from "../schemas/provider-limits";

export const getFallbackProvidersRoute = createRoute({
  method: "get",
  path: "/v1/admin/fallback-providers",
  tags: ["admin"],
  summary: "The instance's default fallback chain",
  description: `The chain jobs of the admin key's instance use when they name none. ${PICKUP_NOTE} Admin keys only.`,
  responses: {
    200: {
      description: "The instance's default fallback chain",
      content: { "application/json": { schema: FallbackProvidersSchema } },
    },
    ...problemResponses(...adminErrors),
  },
});

export function registerGetFallbackProviders(app: App) {
  app.openapi(getFallbackProvidersRoute, async (c) => {
    const chain = await getFallbackProviders(c.get("db"), c.get("principal").instanceId);
    return c.json({ fallback_providers: chain }, 200);
  });
}
