import { createRoute } from "@hono/zod-openapi";
import { clearInstanceAiGateway } from "../../../shared/providers/gateway-admin";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";
import { AI_GATEWAY_NOTE } from "../schemas/ai-gateway";

export const deleteAiGatewayRoute = createRoute({
  method: "delete",
  path: "/v1/admin/ai-gateway",
  tags: ["admin"],
  summary: "Call the instance's providers directly again",
  description: `Removes the instance's gateway settings and its token; an instance without a gateway is left as it is (still 204). ${AI_GATEWAY_NOTE}`,
  responses: {
    204: { description: "The instance calls its providers directly" },
    ...problemResponses(...adminErrors, "payload_too_large"),
  },
});

export function registerDeleteAiGateway(app: App) {
  app.openapi(deleteAiGatewayRoute, async (c) => {
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    await clearInstanceAiGateway(ctx, c.get("principal").instanceId);
    return c.body(null, 204);
  });
}
