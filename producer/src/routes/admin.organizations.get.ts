import { createRoute, type z } from "@hono/zod-openapi";
import { getOrganization } from "../../../shared/tenancy/organizations";
import type { App } from "../app";
import { authErrors, problemResponses } from "../problem";
import { OrganizationIdParamSchema, OrganizationSchema } from "../schemas/organizations";

export const getOrganizationRoute = createRoute({
  method: "get",
  path: "/v1/admin/organizations/{id}",
  tags: ["admin"],
  summary: "One organization",
  description: "Any key may read its own organization; another organization is a 404 (super_admin: any).",
  request: { params: OrganizationIdParamSchema },
  responses: {
    200: { description: "The organization", content: { "application/json": { schema: OrganizationSchema } } },
    ...problemResponses(...authErrors, "organization_not_found", "validation_failed"),
  },
});
export type GetOrganizationParams = z.infer<typeof OrganizationIdParamSchema>;

export function registerGetOrganization(app: App) {
  app.openapi(getOrganizationRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await getOrganization(c.get("db"), c.get("caller"), id), 200);
  });
}
