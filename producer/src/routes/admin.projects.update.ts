import { createRoute, z } from "@hono/zod-openapi";
import { updateProject } from "../../../shared/tenancy/projects";
import type { App } from "../app";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { ProjectIdParamSchema, ProjectSchema, projectName } from "../schemas/projects";

const UpdateBodySchema = z
  .object({ name: projectName().optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: "send at least one field to change" })
  .openapi("UpdateProjectRequest");

export const updateProjectRoute = createRoute({
  method: "patch",
  path: "/v1/admin/projects/{id}",
  tags: ["admin"],
  summary: "Rename a project",
  description:
    "Admin keys (of the project's organization) only. An archived project is 409 archived; a " +
    "project out of reach a 404. Written to the audit log.",
  request: {
    params: ProjectIdParamSchema,
    body: { required: true, content: { "application/json": { schema: UpdateBodySchema } } },
  },
  responses: {
    200: {
      description: "The project as changed",
      content: { "application/json": { schema: ProjectSchema } },
    },
    ...problemResponses(...adminErrors, ...jsonBodyErrors, "project_not_found", "archived"),
  },
});
export type UpdateProjectRequest = z.infer<typeof UpdateBodySchema>;

export function registerUpdateProject(app: App) {
  app.openapi(updateProjectRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    return c.json(await updateProject(ctx, id, { name: body.name }), 200);
  });
}
