import { createRoute, z } from "@hono/zod-openapi";
import { apiKeyView, MAX_GRACE_SECONDS, rotateApiKey } from "../../../shared/tenancy/api-keys";
import type { App } from "../app";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { ApiKeyIdParamSchema, ApiKeyWithSecretSchema } from "../schemas/api-keys";

const RotateBodySchema = z
  .object({
    grace_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .optional()
      .openapi({
        description: `How long the current secret keeps working, 0-${MAX_GRACE_SECONDS} s (default 0: it stops now)`,
        example: 3600,
      }),
  })
  .strict()
  .openapi("RotateApiKeyRequest");

export const rotateApiKeyRoute = createRoute({
  method: "post",
  path: "/v1/admin/api-keys/{id}/rotate",
  tags: ["admin"],
  summary: "Rotate an API key: a new secret, shown once",
  description:
    "The key keeps its id, role and narrowing; its new secret is returned this once. The previous " +
    "secret works until `previous_expires_at` (now + grace_seconds); a secret rotated out earlier " +
    "stops now. The body is optional. A revoked or expired key cannot be rotated: 404 " +
    "api_key_not_found (create a new key). A key of a higher role than the caller's (not its own) is 403.",
  request: {
    params: ApiKeyIdParamSchema,
    body: { required: false, content: { "application/json": { schema: RotateBodySchema } } },
  },
  responses: {
    200: {
      description: "The key, with its new secret (this once)",
      content: { "application/json": { schema: ApiKeyWithSecretSchema } },
    },
    ...problemResponses(...adminErrors, ...jsonBodyErrors, "api_key_not_found"),
  },
});
export type RotateApiKeyRequest = z.infer<typeof RotateBodySchema>;

export function registerRotateApiKey(app: App) {
  app.openapi(rotateApiKeyRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const now = Date.now();
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now };
    const { row, secret } = await rotateApiKey(ctx, id, body.grace_seconds ?? 0);
    return c.json({ ...apiKeyView(row, now), secret }, 200);
  });
}
