import { createRoute } from "@hono/zod-openapi";
import { aiGatewayView, getInstanceAiGateway } from "../../../shared/providers/gateway-admin";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";
import { AI_GATEWAY_NOTE, AiGatewaySchema } from "../schemas/ai-gateway";

export const getAiGatewayRoute = createRoute({
  method: "get",
  path: "/v1/admin/ai-gateway",
  tags: ["admin"],
  summary: "The instance's Cloudflare AI Gateway",
  description: `Which providers the admin key's instance routes through which gateway. The token of an authenticated gateway is never shown, only whether one is set. ${AI_GATEWAY_NOTE}`,
  responses: {
    200: {
      description: "The instance's gateway, or null",
      content: { "application/json": { schema: AiGatewaySchema } },
    },
    ...problemResponses(...adminErrors),
  },
});

export function registerGetAiGateway(app: App) {
  app.openapi(getAiGatewayRoute, async (c) => {
    const stored = await getInstanceAiGateway(c.get("db"), c.get("principal").instanceId);
    return c.json({ ai_gateway: aiGatewayView(stored) }, 200);
  });
}
