import { createRoute, z } from "@hono/zod-openapi";
import { listOrganizations } from "../../../shared/tenancy/organizations";
import type { App } from "../app";
import { authErrors, problemResponses } from "../problem";
import { PageQueryFields } from "../schemas/list-page";
import { OrganizationListSchema } from "../schemas/organizations";

const ListQuerySchema = z.object(PageQueryFields);

export const listOrganizationsRoute = createRoute({
  method: "get",
  path: "/v1/admin/organizations",
  tags: ["admin"],
  summary: "List organizations, newest first",
  description:
    "Every organization for an organization-wide super_admin key; any other key sees only its own.",
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: "A page of organizations",
      content: { "application/json": { schema: OrganizationListSchema } },
    },
    ...problemResponses(...authErrors, "validation_failed"),
  },
});
export type ListOrganizationsQuery = z.infer<typeof ListQuerySchema>;
export type OrganizationList = z.infer<typeof OrganizationListSchema>;

export function registerListOrganizations(app: App) {
  app.openapi(listOrganizationsRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    return c.json(await listOrganizations(c.get("db"), c.get("caller"), { limit, cursor }), 200);
  });
}
