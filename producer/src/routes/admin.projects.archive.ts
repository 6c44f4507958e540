import { createRoute, type z } from "@hono/zod-openapi";
import { archiveProject } from "../../../shared/tenancy/projects";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";
import { ProjectIdParamSchema, ProjectSchema } from "../schemas/projects";

export const archiveProjectRoute = createRoute({
  method: "delete",
  path: "/v1/admin/projects/{id}",
  tags: ["admin"],
  summary: "Archive a project",
  description:
    "Archives, never deletes: the project and its jobs stay readable, changes to it become 409 " +
    "archived (so does archiving it again). Admin keys only. Written to the audit log.",
  request: { params: ProjectIdParamSchema },
  responses: {
    200: {
      description: "The project, now with status `archived`",
      content: { "application/json": { schema: ProjectSchema } },
    },
    ...problemResponses(
      ...adminErrors,
      "project_not_found",
      "archived",
      "validation_failed",
      "payload_too_large",
    ),
  },
});
export type ArchiveProjectParams = z.infer<typeof ProjectIdParamSchema>;

export function registerArchiveProject(app: App) {
  app.openapi(archiveProjectRoute, async (c) => {
    const { id } = c.req.valid("param");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    return c.json(await archiveProject(ctx, id), 200);
  });
}
