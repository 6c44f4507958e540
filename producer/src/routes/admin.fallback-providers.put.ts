import { createRoute, z } from "@hono/zod-openapi";
import { setInstanceFallbackProviders } from "../../../shared/pacing/limits-admin";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { providerNames } from "../../../shared/jobs/enums";
import type { App } from "../app";
import { FallbackProvidersSchema } from "../schemas/fallback-providers";
import { PICKUP_NOTE } from "../schemas/provider-limits";

const PutBodySchema = z
  .object({
    fallback_providers: z
      .array(z.enum(providerNames))
      .max(3)
      .refine((list) => new Set(list).size === list.length, "fallback_providers must not repeat a provider")
      .nullable()
      .openapi({
        description:
          "Up to 3 distinct providers, in the order jobs move to them; null (or []) removes the chain",
        example: ["openai", "replicate"],
      }),
  })
  .strict()
  .openapi("PutFallbackProvidersRequest");

export const putFallbackProvidersRoute = createRoute({
  method: "put",
  path: "/v1/admin/fallback-providers",
  tags: ["admin"],
  summary: "Set or clear the instance's default fallback chain",
  description:
    "Jobs that name no `fallback_providers` of their own move along this chain when their provider " +
    `is down or out of quota. ${PICKUP_NOTE} Admin keys only.`,
  request: {
    body: { required: true, content: { "application/json": { schema: PutBodySchema } } },
  },
  responses: {
    200: {
      description: "The instance's default fallback chain as stored",
      content: { "application/json": { schema: FallbackProvidersSchema } },
    },
    ...problemResponses(...adminErrors, ...jsonBodyErrors),
  },
});
export type PutFallbackProvidersRequest = z.infer<typeof PutBodySchema>;

export function registerPutFallbackProviders(app: App) {
  app.openapi(putFallbackProvidersRoute, async (c) => {
    const { fallback_providers } = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    const chain = await setInstanceFallbackProviders(ctx, c.get("principal").instanceId, fallback_providers);
    return c.json({ fallback_providers: chain }, 200);
  });
}
