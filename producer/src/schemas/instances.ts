// Schemas the instance routes share: the path parameter, the Instance, its list, the budget field.
import { z } from "@hono/zod-openapi";
import { type InstanceView, instanceStatuses } from "../../../shared/tenancy/instances";
import { listSchema } from "./list-page";

export const InstanceIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The instance id",
      example: "ins_0a1b2c3d4e5f6g7h8i9j",
    }),
});

/** An instance's display name, as the create and update bodies take it. */
export const InstanceNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .openapi({ description: "Display name, 1 to 100 characters", example: "production" });

export const MAX_MONTHLY_BUDGET_USD = 1_000_000_000;

/** The budget field of the create and update bodies (null: no cap). */
export const MonthlyBudgetSchema = z.number().min(0).max(MAX_MONTHLY_BUDGET_USD).nullable().openapi({
  description: "Monthly spend cap in USD (estimated provider cost), 0 to 1e9; null for no cap",
  example: 250,
});

export const InstanceSchema = z
  .object({
    id: z.string().openapi({ description: "Instance id", example: "ins_0a1b2c3d4e5f6g7h8i9j" }),
    object: z.literal("instance").openapi({ description: "Always `instance`", example: "instance" }),
    organization_id: z
      .string()
      .openapi({ description: "The organization it belongs to", example: "org_0a1b2c3d4e5f6g7h8i9j" }),
    name: z.string().openapi({ description: "Display name", example: "production" }),
    status: z.enum(instanceStatuses).openapi({
      description: "`archived`: its keys stop working and it takes no changes; its jobs stay",
      example: "active",
    }),
    monthly_budget_usd: z
      .number()
      .nullable()
      .openapi({ description: "Monthly spend cap in USD; null for no cap", example: 250 }),
    fallback_providers: z
      .array(z.string())
      .nullable()
      .openapi({
        description: "Default fallback chain (set with PUT /v1/admin/fallback-providers); null for none",
        example: ["openai", "ideogram"],
      }),
    r2_prefix: z.string().openapi({
      description: "The R2 key prefix under which the instance's images are stored",
      example: "ins_0a1b2c3d4e5f6g7h8i9j/",
    }),
    created_at: z
      .string()
      .openapi({ description: "When it was created", example: "2026-11-21T12:00:00.000Z" }),
  })
  .openapi("Instance") satisfies z.ZodType<InstanceView>;

export const InstanceListSchema = listSchema(InstanceSchema, "InstanceList", "Instances, newest first");
