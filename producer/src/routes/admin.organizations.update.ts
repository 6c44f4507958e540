import { createRoute, z } from "@hono/zod-openapi";
import { organizationStatuses, updateOrganization } from "../../../shared/tenancy/organizations";
import type { App } from "../app";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import {
  OrganizationIdParamSchema,
  OrganizationNameSchema,
  OrganizationSchema,
} from "../schemas/organizations";

const UpdateBodySchema = z
  .object({
    name: OrganizationNameSchema.optional(),
    status: z.enum(organizationStatuses).optional().openapi({
      description:
        "super_admin only: `disabled` stops every key of the organization at once (not the caller's own organization)",
      example: "disabled",
    }),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, "Send at least one of name, status")
  .openapi("UpdateOrganizationRequest");

export const updateOrganizationRoute = createRoute({
  method: "patch",
  path: "/v1/admin/organizations/{id}",
  tags: ["admin"],
  summary: "Rename, disable or re-enable an organization",
  description:
    "Admins may rename their own organization (organization-wide key); only a super_admin may change `status`. " +
    "Another organization is a 404.",
  request: {
    params: OrganizationIdParamSchema,
    body: { required: true, content: { "application/json": { schema: UpdateBodySchema } } },
  },
  responses: {
    200: {
      description: "The organization after the change",
      content: { "application/json": { schema: OrganizationSchema } },
    },
    ...problemResponses(...adminErrors, "organization_not_found", ...jsonBodyErrors),
  },
});
export type UpdateOrganizationRequest = z.infer<typeof UpdateBodySchema>;

export function registerUpdateOrganization(app: App) {
  app.openapi(updateOrganizationRoute, async (c) => {
    const { id } = c.req.valid("param");
    const patch = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    return c.json(await updateOrganization(ctx, id, patch), 200);
  });
}
