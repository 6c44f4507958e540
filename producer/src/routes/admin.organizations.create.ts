import { createRoute, z } from "@hono/zod-openapi";
import { createOrganization } from "../../../shared/tenancy/organizations";
import type { App } from "../app";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { OrganizationNameSchema, OrganizationSchema } from "../schemas/organizations";

const CreateBodySchema = z
  .object({ name: OrganizationNameSchema })
  .strict()
  .openapi("CreateOrganizationRequest");

export const createOrganizationRoute = createRoute({
  method: "post",
  path: "/v1/admin/organizations",
  tags: ["admin"],
  summary: "Create an organization",
  description:
    "super_admin only, with an organization-wide key. Then create its instances and its first admin user.",
  request: { body: { required: true, content: { "application/json": { schema: CreateBodySchema } } } },
  responses: {
    201: {
      description: "The new organization",
      content: { "application/json": { schema: OrganizationSchema } },
    },
    ...problemResponses(...adminErrors, ...jsonBodyErrors),
  },
});
export type CreateOrganizationRequest = z.infer<typeof CreateBodySchema>;
export type Organization = z.infer<typeof OrganizationSchema>;

export function registerCreateOrganization(app: App) {
  app.openapi(createOrganizationRoute, async (c) => {
    const { name } = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    return c.json(await createOrganization(ctx, { name }), 201);
  });
}
