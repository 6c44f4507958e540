import { createRoute, z } from "@hono/zod-openapi";
import { listUsers } from "../../../shared/tenancy/users";
import type { App } from "../app";
import { authErrors, problemResponses } from "../problem";
import { PageQueryFields } from "../schemas/list-page";
import { UserListSchema } from "../schemas/users";

const ListQuerySchema = z.object({
  organization_id: z.string().min(1).max(64).optional().openapi({
    description: "Only this organization's users (super_admin; others may name only their own)",
    example: "org_0a1b2c3d4e5f6g7h8i9j",
  }),
  ...PageQueryFields,
});

export const listUsersRoute = createRoute({
  method: "get",
  path: "/v1/admin/users",
  tags: ["admin"],
  summary: "List users, newest first",
  description:
    "A super_admin sees every user, an admin the users of its organization, a user only itself. " +
    "Disabled users are listed too (status `disabled`).",
  request: { query: ListQuerySchema },
  responses: {
    200: { description: "A page of users", content: { "application/json": { schema: UserListSchema } } },
    ...problemResponses(...authErrors, "organization_not_found", "validation_failed"),
  },
});
export type ListUsersQuery = z.infer<typeof ListQuerySchema>;

export function registerListUsers(app: App) {
  app.openapi(listUsersRoute, async (c) => {
    const { organization_id, limit, cursor } = c.req.valid("query");
    const page = await listUsers(c.get("db"), c.get("caller"), {
      organizationId: organization_id,
      limit,
      cursor,
    });
    return c.json(page, 200);
  });
}
