import { createRoute, type z } from "@hono/zod-openapi";
import { adminErrors, problemResponses } from "../problem";
import { getProjectWebhookSettings } from "../../../shared/webhooks/projects";
import { ProjectWebhookSchema } from "../../../shared/webhooks/schemas";
import { ProjectIdParamSchema } from "../schemas/projects";
import type { App } from "../app";
import { requireMasterKey } from "../master-key";

export const getProjectWebhookRoute = createRoute({
  method: "get",
  path: "/v1/admin/projects/{id}/webhook",
  tags: ["admin"],
  summary: "A project's default webhook URL and whether it has a signing secret",
  description:
    "Never the secret itself (it is shown once, when made): whether there is one, its last 4 " +
    "characters, and until when the previous one still signs. Admin keys only. A project of another " +
    "instance is a 404.",
  request: { params: ProjectIdParamSchema },
  responses: {
    200: {
      description: "The project's webhook settings",
      content: { "application/json": { schema: ProjectWebhookSchema } },
    },
    ...problemResponses(
      ...adminErrors,
      "project_not_found",
      "validation_failed",
      "encryption_not_configured",
    ),
  },
});
export type ProjectWebhookResponse = z.infer<typeof ProjectWebhookSchema>;

export function registerGetProjectWebhook(app: App) {
  app.openapi(getProjectWebhookRoute, async (c) => {
    const { id } = c.req.valid("param");
    const masterKey = await requireMasterKey(c.env, "Webhook signing secrets");
    const deps = { db: c.get("db"), now: Date.now, masterKey };
    return c.json(await getProjectWebhookSettings(deps, c.get("principal").instanceId, id), 200);
  });
}
