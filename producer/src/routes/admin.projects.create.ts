import { createRoute, z } from "@hono/zod-openapi";
import { createProject } from "../../../shared/tenancy/projects";
import type { App } from "../app";
import { authErrors, jsonBodyErrors, problemResponses } from "../problem";
import { ProjectSchema, projectName } from "../schemas/projects";

const CreateBodySchema = z
  .object({
    instance_id: z.string().min(1).max(64).optional().openapi({
      description:
        "The project's instance (one the key reaches). Default: the key's own instance; an organization-wide key must name one",
      example: "ins_0a1b2c3d4e5f6g7h8i9j",
    }),
    name: projectName(),
  })
  .strict()
  .openapi("CreateProjectRequest");

export const createProjectRoute = createRoute({
  method: "post",
  path: "/v1/admin/projects",
  tags: ["admin"],
  summary: "Create a project in an instance",
  description:
    "Any key may create a project in an instance it reaches (a user: one it is assigned to); an " +
    "instance out of reach is a 404, an archived one 409 archived. The project's webhook signing " +
    "secret is made by PUT .../webhook (its first URL) or .../webhook/rotate-secret, whose answer shows " +
    "it once. Written to the audit log.",
  request: {
    body: { required: true, content: { "application/json": { schema: CreateBodySchema } } },
  },
  responses: {
    201: { description: "The new project", content: { "application/json": { schema: ProjectSchema } } },
    ...problemResponses(...authErrors, ...jsonBodyErrors, "instance_not_found", "archived"),
  },
});
export type CreateProjectRequest = z.infer<typeof CreateBodySchema>;

export function registerCreateProject(app: App) {
  app.openapi(createProjectRoute, async (c) => {
    const body = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    const project = await createProject(ctx, { instanceId: body.instance_id, name: body.name });
    return c.json(project, 201);
  });
}
