import { createRoute, z } from "@hono/zod-openapi";
import { getFallbackProviders } from "../../../shared/db/queries/provider-limits";
import { adminErrors, problemResponses } from "../problem";
import type { App } from "../app";
import { PICKUP_NOTE } from "./admin.provider-limits.list";

export const FallbackProvidersSchema = z
  .object({
    fallback_providers: z
      .array(z.string())
      .nullable()
      .openapi({
        description:
          "Providers a job moves to, in order, when its provider is down or out of quota and the job " +
          "names no `fallback_providers` of its own; null (or empty) means no fallback",
        example: ["openai", "replicate"],
      }),
  })
  .openapi("FallbackProviders");
export type FallbackProviders = z.infer<typeof FallbackProvidersSchema>;

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
