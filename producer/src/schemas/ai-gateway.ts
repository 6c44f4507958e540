// Schemas the ai-gateway routes share: the instance's gateway as answered (never its token).
import { z } from "@hono/zod-openapi";
import { gatewayProviders } from "../../../shared/providers/gateway";

export const AiGatewayViewSchema = z
  .object({
    account_id: z.string().openapi({
      description: "The Cloudflare account the gateway belongs to",
      example: "0123456789abcdef0123456789abcdef",
    }),
    gateway_id: z.string().openapi({ description: "The gateway's id (its name)", example: "images-prod" }),
    providers: z.array(z.enum(gatewayProviders)).openapi({
      description: "Providers whose calls go through the gateway; the others are called directly",
      example: ["openai", "replicate"],
    }),
    cache_ttl_seconds: z.number().int().nullable().openapi({
      description: "cf-aig-cache-ttl sent with each generation; null: the gateway's own default",
      example: 3600,
    }),
    skip_cache: z.boolean().openapi({
      description: "Whether every call carries cf-aig-skip-cache: true",
      example: false,
    }),
    token_set: z.boolean().openapi({
      description: "Whether an authenticated gateway's token is stored (it is never shown)",
      example: true,
    }),
  })
  .openapi("AiGatewayView");

export const AiGatewaySchema = z
  .object({
    ai_gateway: AiGatewayViewSchema.nullable().openapi({
      description: "The instance's Cloudflare AI Gateway; null: every provider is called directly",
    }),
  })
  .openapi("AiGateway");
export type AiGateway = z.infer<typeof AiGatewaySchema>;

export const AI_GATEWAY_NOTE =
  "Consumers pick a change up within 30 seconds (their per-isolate settings cache). Admin keys only.";
