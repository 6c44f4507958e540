import { createRoute } from "@hono/zod-openapi";
import { apiKeyView, revokeApiKey } from "../../../shared/tenancy/api-keys";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";
import { ApiKeyIdParamSchema, ApiKeySchema } from "../schemas/api-keys";

export const revokeApiKeyRoute = createRoute({
  method: "delete",
  path: "/v1/admin/api-keys/{id}",
  tags: ["admin"],
  summary: "Revoke an API key",
  description:
    "The key (and a previous secret still in its rotation grace) stops working at once on this " +
    "isolate and everywhere within 10 seconds. Revoking a revoked key answers the same. A key of a " +
    "higher role than the caller's (not its own) is 403; a key out of reach is 404.",
  request: { params: ApiKeyIdParamSchema },
  responses: {
    200: {
      description: "The key, with status revoked",
      content: { "application/json": { schema: ApiKeySchema } },
    },
    ...problemResponses(...adminErrors, "api_key_not_found", "validation_failed", "payload_too_large"),
  },
});

export function registerRevokeApiKey(app: App) {
  app.openapi(revokeApiKeyRoute, async (c) => {
    const { id } = c.req.valid("param");
    const now = Date.now();
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now };
    return c.json(apiKeyView(await revokeApiKey(ctx, id), now), 200);
  });
}
