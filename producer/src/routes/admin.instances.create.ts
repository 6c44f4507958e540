import { createRoute, z } from "@hono/zod-openapi";
import { createInstance } from "../../../shared/tenancy/instances";
import type { App } from "../app";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { InstanceNameSchema, InstanceSchema, MonthlyBudgetSchema } from "../schemas/instances";

const CreateBodySchema = z
  .object({
    name: InstanceNameSchema,
    organization_id: z.string().min(1).max(64).optional().openapi({
      description: "super_admin only: the organization to create it in (default: the key's own)",
      example: "org_0a1b2c3d4e5f6g7h8i9j",
    }),
    monthly_budget_usd: MonthlyBudgetSchema.optional(),
  })
  .strict()
  .openapi("CreateInstanceRequest");

export const createInstanceRoute = createRoute({
  method: "post",
  path: "/v1/admin/instances",
  tags: ["admin"],
  summary: "Create an instance",
  description:
    "Admins create instances in their organization, a super_admin in any (`organization_id`); " +
    "an organization-wide key is needed. An unknown organization is a 404.",
  request: { body: { required: true, content: { "application/json": { schema: CreateBodySchema } } } },
  responses: {
    201: { description: "The new instance", content: { "application/json": { schema: InstanceSchema } } },
    ...problemResponses(...adminErrors, "organization_not_found", ...jsonBodyErrors),
  },
});
export type CreateInstanceRequest = z.infer<typeof CreateBodySchema>;
export type Instance = z.infer<typeof InstanceSchema>;

export function registerCreateInstance(app: App) {
  app.openapi(createInstanceRoute, async (c) => {
    const body = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    const input = {
      name: body.name,
      organizationId: body.organization_id,
      monthlyBudgetUsd: body.monthly_budget_usd,
    };
    return c.json(await createInstance(ctx, input), 201);
  });
}
