import { createRoute, type z } from "@hono/zod-openapi";
import { ApiError } from "../../../shared/errors";
import { adminErrors, bodyErrors, problemResponses } from "../problem";
import { makePrimary } from "../../../shared/providers/keys/service";
import type { App } from "../app";
import { requireMasterKey } from "../master-key";
import { ProviderKeyIdParamSchema, ProviderKeySchema, serializeProviderKey } from "../schemas/provider-keys";

export const makePrimaryProviderKeyRoute = createRoute({
  method: "post",
  path: "/v1/admin/provider-keys/{id}/make-primary",
  tags: ["admin"],
  summary: "Make a provider key the primary again",
  description:
    "Jobs use this key first from now on (within about 30 seconds, the consumers' cache); the " +
    "provider's other keys stay usable until deleted. Admin keys only.",
  request: { params: ProviderKeyIdParamSchema },
  responses: {
    200: {
      description: "The key, now primary",
      content: { "application/json": { schema: ProviderKeySchema } },
    },
    ...problemResponses(
      ...adminErrors,
      ...bodyErrors,
      "provider_key_not_found",
      "validation_failed",
      "encryption_not_configured",
    ),
  },
});
export type MakePrimaryProviderKeyParams = z.infer<typeof ProviderKeyIdParamSchema>;

export function registerMakePrimaryProviderKey(app: App) {
  app.openapi(makePrimaryProviderKeyRoute, async (c) => {
    await requireMasterKey(c.env);
    const { id } = c.req.valid("param");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    const key = await makePrimary(ctx.db, c.get("principal").instanceId, id, ctx);
    if (!key) throw new ApiError("provider_key_not_found", `No provider key ${id} in this instance`);
    return c.json(serializeProviderKey(key), 200);
  });
}
