import { createRoute } from "@hono/zod-openapi";
import { adminErrors, bodyErrors, problemResponses } from "../problem";
import { rotateProjectWebhookSecret } from "../../../shared/webhooks/projects";
import { ProjectWebhookSchema } from "../../../shared/webhooks/schemas";
import { ProjectIdParamSchema } from "../schemas/projects";
import type { App } from "../app";
import { requireMasterKey } from "../master-key";

export const rotateProjectWebhookSecretRoute = createRoute({
  method: "post",
  path: "/v1/admin/projects/{id}/webhook/rotate-secret",
  tags: ["admin"],
  summary: "Rotate a project's webhook signing secret",
  description:
    "A new secret signs from now on. For 24 hours the previous one signs too (two signatures in " +
    "`webhook-signature`), so receivers can switch without missing events. The answer carries the new " +
    "secret in `secret`, the only time it is shown (it is stored encrypted); a rotation that lost a race " +
    "with a concurrent one answers without it. Admin keys only.",
  request: { params: ProjectIdParamSchema },
  responses: {
    200: {
      description: "The new settings, with the new secret in `secret`",
      content: { "application/json": { schema: ProjectWebhookSchema } },
    },
    ...problemResponses(
      ...adminErrors,
      ...bodyErrors,
      "project_not_found",
      "validation_failed",
      "encryption_not_configured",
    ),
  },
});

export function registerRotateProjectWebhookSecret(app: App) {
  app.openapi(rotateProjectWebhookSecretRoute, async (c) => {
    const { id } = c.req.valid("param");
    const masterKey = await requireMasterKey(c.env, "Webhook signing secrets");
    const deps = {
      db: c.get("db"),
      now: Date.now,
      masterKey,
      caller: c.get("caller"),
      requestId: c.get("requestId"),
    };
    return c.json(await rotateProjectWebhookSecret(deps, c.get("principal").instanceId, id), 200);
  });
}
