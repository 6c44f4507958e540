// Schemas the instance routes share: the path parameter, the Instance, its list, the budget and
// image settings fields.
import { z } from "@hono/zod-openapi";
import {
  DEFAULT_IMAGE_URL_TTL_SECONDS,
  MAX_IMAGE_URL_TTL_SECONDS,
  MIN_IMAGE_URL_TTL_SECONDS,
} from "../../../shared/images/signed-url";
import {
  type InstanceView,
  instanceStatuses,
  MAX_IMAGE_RETENTION_DAYS,
  MIN_IMAGE_RETENTION_DAYS,
} from "../../../shared/tenancy/instances";
import { MAX_ARCHIVE_AFTER_DAYS, MIN_ARCHIVE_AFTER_DAYS } from "../../../shared/jobs/archive";
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

const ttlDescription = `Lifetime of signed image URLs in seconds, ${MIN_IMAGE_URL_TTL_SECONDS} to ${MAX_IMAGE_URL_TTL_SECONDS} (7 days); null for the default (${DEFAULT_IMAGE_URL_TTL_SECONDS})`;
const retentionDescription = `Days a succeeded job's images are kept, ${MIN_IMAGE_RETENTION_DAYS} to ${MAX_IMAGE_RETENTION_DAYS}; then the housekeeping cron removes them (their URLs answer 410). null keeps them forever`;

/** The image URL TTL field of the update body (null: the default). */
export const ImageUrlTtlSchema = z
  .number()
  .int()
  .min(MIN_IMAGE_URL_TTL_SECONDS)
  .max(MAX_IMAGE_URL_TTL_SECONDS)
  .nullable()
  .openapi({ description: ttlDescription, example: 900 });

/** The image retention field of the update body (null: forever). */
export const ImageRetentionDaysSchema = z
  .number()
  .int()
  .min(MIN_IMAGE_RETENTION_DAYS)
  .max(MAX_IMAGE_RETENTION_DAYS)
  .nullable()
  .openapi({ description: retentionDescription, example: 30 });

const archiveDescription = `Days after which an ended job (with its history, webhook events and dead letters) moves to the R2 archive, ${MIN_ARCHIVE_AFTER_DAYS} to ${MAX_ARCHIVE_AFTER_DAYS}; GET /v1/jobs/{id} and /events still answer it (docs/archiving.md)`;

/** The archive age field of the update body. */
export const ArchiveAfterDaysSchema = z
  .number()
  .int()
  .min(MIN_ARCHIVE_AFTER_DAYS)
  .max(MAX_ARCHIVE_AFTER_DAYS)
  .openapi({ description: archiveDescription, example: 30 });

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
    image_url_ttl_seconds: z.number().int().nullable().openapi({ description: ttlDescription, example: 900 }),
    image_retention_days: z
      .number()
      .int()
      .nullable()
      .openapi({ description: retentionDescription, example: 30 }),
    archive_after_days: z.number().int().openapi({ description: archiveDescription, example: 30 }),
    created_at: z
      .string()
      .openapi({ description: "When it was created", example: "2026-11-21T12:00:00.000Z" }),
  })
  .openapi("Instance") satisfies z.ZodType<InstanceView>;

export const InstanceListSchema = listSchema(InstanceSchema, "InstanceList", "Instances, newest first");
