import { createRoute, type z } from "@hono/zod-openapi";
import { isLocal } from "../../../shared/config";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { updateProjectWebhookUrl } from "../../../shared/webhooks/projects";
import { ProjectWebhookSchema, PutProjectWebhookBodySchema } from "../../../shared/webhooks/schemas";
import { ProjectIdParamSchema } from "../schemas/projects";
import type { App } from "../app";
import { requireMasterKey } from "../master-key";

export const putProjectWebhookRoute = createRoute({
  method: "put",
  path: "/v1/admin/projects/{id}/webhook",
  tags: ["admin"],
  summary: "Set or clear a project's default webhook URL",
  description:
    "The URL must be https and point at a public host (no private, loopback, link-local or metadata " +
    "addresses, no credentials): otherwise 400 `webhook_url_invalid`. Setting a URL that answered 410 Gone " +
    "takes it back into service. A project without a signing secret gets one with its first URL: the " +
    "answer carries it in `secret`, the only time it is shown (it is stored encrypted). Admin keys only.",
  request: {
    params: ProjectIdParamSchema,
    body: { required: true, content: { "application/json": { schema: PutProjectWebhookBodySchema } } },
  },
  responses: {
    200: {
      description: "The project's webhook settings (with `secret` when this request made it)",
      content: { "application/json": { schema: ProjectWebhookSchema } },
    },
    ...problemResponses(
      ...adminErrors,
      ...jsonBodyErrors,
      "project_not_found",
      "webhook_url_invalid",
      "encryption_not_configured",
    ),
  },
});
export type PutProjectWebhookRequest = z.infer<typeof PutProjectWebhookBodySchema>;

export function registerPutProjectWebhook(app: App) {
  app.openapi(putProjectWebhookRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { url } = c.req.valid("json");
    const deps = {
      db: c.get("db"),
      masterKey: await requireMasterKey(c.env, "Webhook signing secrets"),
      now: Date.now,
      caller: c.get("caller"),
      requestId: c.get("requestId"),
      allowLocalhost: isLocal(c.env),
    };
    return c.json(await updateProjectWebhookUrl(deps, c.get("principal").instanceId, id, url), 200);
  });
}
