// Schemas the organization routes share: the path parameter, the Organization and its list.
import { z } from "@hono/zod-openapi";
import { type OrganizationView, organizationStatuses } from "../../../shared/tenancy/organizations";
import { listSchema } from "./list-page";

export const OrganizationIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The organization id",
      example: "org_0a1b2c3d4e5f6g7h8i9j",
    }),
});

/** An organization's display name, as the create and update bodies take it. */
export const OrganizationNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .openapi({ description: "Display name, 1 to 100 characters", example: "Acme" });

export const OrganizationSchema = z
  .object({
    id: z.string().openapi({ description: "Organization id", example: "org_0a1b2c3d4e5f6g7h8i9j" }),
    object: z
      .literal("organization")
      .openapi({ description: "Always `organization`", example: "organization" }),
    name: z.string().openapi({ description: "Display name", example: "Acme" }),
    status: z.enum(organizationStatuses).openapi({
      description: "`disabled`: every key of the organization stops working; its data stays",
      example: "active",
    }),
    created_at: z
      .string()
      .openapi({ description: "When it was created", example: "2026-11-21T12:00:00.000Z" }),
  })
  .openapi("Organization") satisfies z.ZodType<OrganizationView>;

export const OrganizationListSchema = listSchema(
  OrganizationSchema,
  "OrganizationList",
  "Organizations, newest first",
);
