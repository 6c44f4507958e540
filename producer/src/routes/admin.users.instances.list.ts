import { createRoute, z } from "@hono/zod-openapi";
import { listAssignments } from "../../../shared/tenancy/assignments";
import type { App } from "../app";
import { authErrors, problemResponses } from "../problem";
import { PageQueryFields } from "../schemas/list-page";
import { AssignmentListSchema, UserIdParamSchema } from "../schemas/users";

const ListQuerySchema = z.object(PageQueryFields);

export const listUserInstancesRoute = createRoute({
  method: "get",
  path: "/v1/admin/users/{id}/instances",
  tags: ["admin"],
  summary: "List the instances a user is assigned to, newest first",
  description: "For a user the key reaches (a user key: only its own user); any other is a 404.",
  request: { params: UserIdParamSchema, query: ListQuerySchema },
  responses: {
    200: {
      description: "A page of assignments",
      content: { "application/json": { schema: AssignmentListSchema } },
    },
    ...problemResponses(...authErrors, "user_not_found", "validation_failed"),
  },
});
export type ListUserInstancesQuery = z.infer<typeof ListQuerySchema>;

export function registerListUserInstances(app: App) {
  app.openapi(listUserInstancesRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    return c.json(await listAssignments(c.get("db"), c.get("caller"), id, { limit, cursor }), 200);
  });
}
