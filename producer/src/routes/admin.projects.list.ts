import { createRoute, z } from "@hono/zod-openapi";
import { listProjects } from "../../../shared/tenancy/projects";
import type { App } from "../app";
import { authErrors, problemResponses } from "../problem";
import { ProjectListSchema } from "../schemas/projects";
import { PageQueryFields } from "../schemas/list-page";

const ListQuerySchema = z.object({
  instance_id: z.string().min(1).max(64).optional().openapi({
    description: "Only this instance's projects (one the caller reaches, else 404)",
    example: "ins_0a1b2c3d4e5f6g7h8i9j",
  }),
  ...PageQueryFields,
});

export const listProjectsRoute = createRoute({
  method: "get",
  path: "/v1/admin/projects",
  tags: ["admin"],
  summary: "List projects, newest first",
  description:
    "The projects of every instance the key reaches, archived ones included: a super_admin's all, " +
    "an admin's those of its organization, a user's those of the instances it is assigned to (a " +
    "key narrowed to an instance: that instance only).",
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: "A page of projects",
      content: { "application/json": { schema: ProjectListSchema } },
    },
    ...problemResponses(...authErrors, "instance_not_found", "validation_failed"),
  },
});
export type ListProjectsQuery = z.infer<typeof ListQuerySchema>;

export function registerListProjects(app: App) {
  app.openapi(listProjectsRoute, async (c) => {
    const { instance_id, limit, cursor } = c.req.valid("query");
    const page = await listProjects(c.get("db"), c.get("caller"), { instanceId: instance_id, limit, cursor });
    return c.json(page, 200);
  });
}
