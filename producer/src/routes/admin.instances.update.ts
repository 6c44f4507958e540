import { createRoute, z } from "@hono/zod-openapi";
import { updateInstance } from "../../../shared/tenancy/instances";
import type { App } from "../app";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import {
  ArchiveAfterDaysSchema,
  ImageRetentionDaysSchema,
  ImageUrlTtlSchema,
  InstanceIdParamSchema,
  InstanceNameSchema,
  InstanceSchema,
  MonthlyBudgetSchema,
} from "../schemas/instances";

const UpdateBodySchema = z
  .object({
    name: InstanceNameSchema.optional(),
    monthly_budget_usd: MonthlyBudgetSchema.optional(),
    image_url_ttl_seconds: ImageUrlTtlSchema.optional(),
    image_retention_days: ImageRetentionDaysSchema.optional(),
    archive_after_days: ArchiveAfterDaysSchema.optional(),
  })
  .strict()
  .refine(
    (body) => Object.keys(body).length > 0,
    "Send at least one of name, monthly_budget_usd, image_url_ttl_seconds, image_retention_days, archive_after_days",
  )
  .openapi("UpdateInstanceRequest");

export const updateInstanceRoute = createRoute({
  method: "patch",
  path: "/v1/admin/instances/{id}",
  tags: ["admin"],
  summary: "Rename an instance or change its budget, image or archive settings",
  description: "Admin keys. An archived instance is 409 archived; one the key does not reach is a 404.",
  request: {
    params: InstanceIdParamSchema,
    body: { required: true, content: { "application/json": { schema: UpdateBodySchema } } },
  },
  responses: {
    200: {
      description: "The instance after the change",
      content: { "application/json": { schema: InstanceSchema } },
    },
    ...problemResponses(...adminErrors, "instance_not_found", "archived", ...jsonBodyErrors),
  },
});
export type UpdateInstanceRequest = z.infer<typeof UpdateBodySchema>;

export function registerUpdateInstance(app: App) {
  app.openapi(updateInstanceRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    const patch = {
      name: body.name,
      monthlyBudgetUsd: body.monthly_budget_usd,
      imageUrlTtlSeconds: body.image_url_ttl_seconds,
      imageRetentionDays: body.image_retention_days,
      archiveAfterDays: body.archive_after_days,
    };
    return c.json(await updateInstance(ctx, id, patch), 200);
  });
}
