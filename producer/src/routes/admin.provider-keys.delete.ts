import { createRoute, type z } from "@hono/zod-openapi";
import { ApiError } from "../../../shared/errors";
import { adminErrors, problemResponses } from "../problem";
import { deleteKey } from "../../../shared/providers/keys/service";
import type { App } from "../app";
import { requireMasterKey } from "../master-key";
import { ProviderKeyIdParamSchema } from "../schemas/provider-keys";

export const deleteProviderKeyRoute = createRoute({
  method: "delete",
  path: "/v1/admin/provider-keys/{id}",
  tags: ["admin"],
  summary: "Delete a provider key",
  description:
    "Removes the key for good (the end of a rotation). If it was the primary, the provider's newest " +
    "remaining key becomes primary; with none left, jobs fall back to the Worker secret " +
    "`<PROVIDER>_API_KEY` when one is set. Admin keys only.",
  request: { params: ProviderKeyIdParamSchema },
  responses: {
    204: { description: "Deleted" },
    ...problemResponses(
      ...adminErrors,
      "provider_key_not_found",
      "validation_failed",
      "payload_too_large",
      "encryption_not_configured",
    ),
  },
});
export type DeleteProviderKeyParams = z.infer<typeof ProviderKeyIdParamSchema>;

export function registerDeleteProviderKey(app: App) {
  app.openapi(deleteProviderKeyRoute, async (c) => {
    await requireMasterKey(c.env);
    const { id } = c.req.valid("param");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    if (!(await deleteKey(ctx.db, c.get("principal").instanceId, id, ctx))) {
      throw new ApiError("provider_key_not_found", `No provider key ${id} in this instance`);
    }
    return c.body(null, 204);
  });
}
