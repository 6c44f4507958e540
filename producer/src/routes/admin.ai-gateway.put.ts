import { createRoute, z } from "@hono/zod-openapi";
import { GATEWAY_CACHE_TTL_MAX_SECONDS, gatewayProviders } from "../../../shared/providers/gateway";
import { setInstanceAiGateway } from "../../../shared/providers/gateway-admin";
import type { App } from "../app";
import { requireMasterKey } from "../master-key";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { AI_GATEWAY_NOTE, AiGatewaySchema } from "../schemas/ai-gateway";

const PutBodySchema = z
  .object({
    account_id: z
      .string()
      .regex(/^[0-9a-f]{32}$/, "account_id must be a Cloudflare account id: 32 lowercase hex digits")
      .openapi({
        description: "The Cloudflare account of the gateway",
        example: "0123456789abcdef0123456789abcdef",
      }),
    gateway_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "gateway_id must be 1-64 letters, digits, '-' or '_'")
      .openapi({ description: "The gateway's id (its name, 64 characters at most)", example: "images-prod" }),
    providers: z
      .array(z.enum(gatewayProviders))
      .min(1)
      .refine((list) => new Set(list).size === list.length, "providers must not repeat a provider")
      .openapi({
        description:
          "Providers to route through the gateway (those AI Gateway proxies: openai, replicate, ideogram, workers-ai; stability and demo cannot)",
        example: ["openai", "replicate"],
      }),
    cache_ttl_seconds: z
      .number()
      .int()
      .min(60)
      .max(GATEWAY_CACHE_TTL_MAX_SECONDS)
      .nullable()
      .default(null)
      .openapi({
        description: "cf-aig-cache-ttl for generations, 60 s to 30 days; null: the gateway's default",
        example: 3600,
      }),
    skip_cache: z
      .boolean()
      .default(false)
      .openapi({ description: "Send cf-aig-skip-cache: true with every call", example: false }),
    token: z.string().min(1).max(512).nullable().optional().openapi({
      description:
        "An authenticated gateway's token (cf-aig-authorization), stored encrypted and never shown; null removes it, omitted keeps the one set",
      example: "cf-aig-token-value",
    }),
  })
  .strict()
  .openapi("PutAiGatewayRequest");

export const putAiGatewayRoute = createRoute({
  method: "put",
  path: "/v1/admin/ai-gateway",
  tags: ["admin"],
  summary: "Route the instance's providers through a Cloudflare AI Gateway",
  description:
    "Replaces the instance's gateway settings. Calls of the listed providers go to " +
    "`https://gateway.ai.cloudflare.com/v1/{account_id}/{gateway_id}/{provider}` with the cf-aig-* headers " +
    "(metadata: instance, project, job and request ids). A token needs the PROVIDER_KEYS_MASTER_KEY secret " +
    `(503 encryption_not_configured without it). ${AI_GATEWAY_NOTE}`,
  request: {
    body: { required: true, content: { "application/json": { schema: PutBodySchema } } },
  },
  responses: {
    200: {
      description: "The instance's gateway as stored (without its token)",
      content: { "application/json": { schema: AiGatewaySchema } },
    },
    ...problemResponses(...adminErrors, ...jsonBodyErrors, "encryption_not_configured"),
  },
});
export type PutAiGatewayRequest = z.infer<typeof PutBodySchema>;

export function registerPutAiGateway(app: App) {
  app.openapi(putAiGatewayRoute, async (c) => {
    const body = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    const input = {
      accountId: body.account_id,
      gatewayId: body.gateway_id,
      providers: body.providers,
      cacheTtlSeconds: body.cache_ttl_seconds,
      skipCache: body.skip_cache,
      ...(body.token !== undefined ? { token: body.token } : {}),
    };
    const view = await setInstanceAiGateway(ctx, c.get("principal").instanceId, input, () =>
      requireMasterKey(c.env, "An AI Gateway token"),
    );
    return c.json({ ai_gateway: view }, 200);
  });
}
