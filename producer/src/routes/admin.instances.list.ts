import { createRoute, z } from "@hono/zod-openapi";
import { listInstances } from "../../../shared/tenancy/instances";
import type { App } from "../app";
import { authErrors, problemResponses } from "../problem";
import { InstanceListSchema } from "../schemas/instances";
import { PageQueryFields } from "../schemas/list-page";

const ListQuerySchema = z.object({
  organization_id: z.string().min(1).max(64).optional().openapi({
    description: "Only this organization's instances (a super_admin's filter; others see their own anyway)",
    example: "org_0a1b2c3d4e5f6g7h8i9j",
  }),
  ...PageQueryFields,
});

export const listInstancesRoute = createRoute({
  method: "get",
  path: "/v1/admin/instances",
  tags: ["admin"],
  summary: "List instances, newest first",
  description:
    "The instances the key reaches, archived ones included: a super_admin all (or one organization's), " +
    "an admin its organization's, a user those it is assigned to; a key narrowed to an instance only that one.",
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: "A page of instances",
      content: { "application/json": { schema: InstanceListSchema } },
    },
    ...problemResponses(...authErrors, "organization_not_found", "validation_failed"),
  },
});
export type ListInstancesQuery = z.infer<typeof ListQuerySchema>;
export type InstanceList = z.infer<typeof InstanceListSchema>;

export function registerListInstances(app: App) {
  app.openapi(listInstancesRoute, async (c) => {
    const { organization_id, limit, cursor } = c.req.valid("query");
    const query = { organizationId: organization_id, limit, cursor };
    return c.json(await listInstances(c.get("db"), c.get("caller"), query), 200);
  });
}
