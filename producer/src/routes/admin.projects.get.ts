import { createRoute, type z } from "@hono/zod-openapi";
import { getProject } from "../../../shared/tenancy/projects";
import type { App } from "../app";
import { authErrors, problemResponses } from "../problem";
import { ProjectIdParamSchema, ProjectSchema } from "../schemas/projects";

export const getProjectRoute = createRoute({
  method: "get",
  path: "/v1/admin/projects/{id}",
  tags: ["admin"],
  summary: "Get a project",
  description: "A project of an instance the key reaches; any other is a 404.",
  request: { params: ProjectIdParamSchema },
  responses: {
    200: { description: "The project", content: { "application/json": { schema: ProjectSchema } } },
    ...problemResponses(...authErrors, "project_not_found", "validation_failed"),
  },
});
export type GetProjectParams = z.infer<typeof ProjectIdParamSchema>;

export function registerGetProject(app: App) {
  app.openapi(getProjectRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await getProject(c.get("db"), c.get("caller"), id), 200);
  });
}
