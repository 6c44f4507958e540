// The audit log as the API shows it: one record, a page of them, the list filters, the serializer.
import { z } from "@hono/zod-openapi";
import type { AuditRecordRow } from "../../../shared/tenancy/audit-log";
import { isoTime } from "../../../shared/time";

const snapshot = z.record(z.string(), z.unknown()).nullable();

export const AuditRecordSchema = z
  .object({
    id: z.string().openapi({ description: "Audit record id", example: "aud_0a1b2c3d4e5f6g7h8i9j" }),
    object: z.literal("audit_record").openapi({ example: "audit_record" }),
    organization_id: z.string().nullable().openapi({
      description: "The organization the change belongs to; null for a system-wide change",
      example: "org_0a1b2c3d4e5f6g7h8i9j",
    }),
    actor_key_id: z
      .string()
      .nullable()
      .openapi({ description: "The API key that made the change", example: "key_0a1b2c3d4e5f6g7h8i9j" }),
    actor_user_id: z.string().nullable().openapi({
      description: "The key's owner; null for a project's service key (or the bootstrap)",
      example: "usr_0a1b2c3d4e5f6g7h8i9j",
    }),
    action: z
      .string()
      .openapi({ description: "`<resource>.<verb>` of the change", example: "instance.create" }),
    resource_type: z.string().openapi({ description: "What kind of resource changed", example: "instance" }),
    resource_id: z
      .string()
      .openapi({ description: "The resource that changed", example: "ins_0a1b2c3d4e5f6g7h8i9j" }),
    before: snapshot.openapi({
      description: "The resource as the API showed it before the change (null: it did not exist)",
      example: null,
    }),
    after: snapshot.openapi({
      description: "The resource as the API shows it after the change (null: it is gone)",
      example: { id: "ins_0a1b2c3d4e5f6g7h8i9j", name: "production" },
    }),
    request_id: z
      .string()
      .openapi({ description: "The request that made the change", example: "req_3k9x0a1b2c3d4e5f6g7h" }),
    created_at: z
      .string()
      .openapi({ description: "When the change was made", example: "2026-11-21T12:00:00.000Z" }),
  })
  .openapi("AuditRecord");
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

export const AuditRecordListSchema = z
  .object({
    object: z.literal("list").openapi({ example: "list" }),
    data: z.array(AuditRecordSchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page" }),
  })
  .openapi("AuditRecordList");

const id = (description: string, example: string) =>
  z.string().min(1).max(64).optional().openapi({ description, example });

export const AuditLogQuerySchema = z.object({
  organization_id: id(
    "Only this organization's records (super_admin; others may name only their own)",
    "org_0a1b2c3d4e5f6g7h8i9j",
  ),
  action: z
    .string()
    .regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_-]*$/, "an action is `<resource>.<verb>`, e.g. instance.create")
    .max(100)
    .optional()
    .openapi({ description: "Only this action", example: "api_key.revoke" }),
  resource_type: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, "a resource type is lower_snake_case, e.g. api_key")
    .max(64)
    .optional()
    .openapi({ description: "Only this kind of resource", example: "api_key" }),
  resource_id: id("Only this resource's records", "key_0a1b2c3d4e5f6g7h8i9j"),
  actor_user_id: id("Only changes made by this user's keys", "usr_0a1b2c3d4e5f6g7h8i9j"),
  since: z.iso.datetime({ offset: true }).optional().openapi({
    description: "Only records created at or after this time",
    example: "2026-11-20T00:00:00Z",
  }),
  until: z.iso.datetime({ offset: true }).optional().openapi({
    description: "Only records created before this time",
    example: "2026-11-22T00:00:00Z",
  }),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: z.string().max(200).optional().openapi({ description: "`next_cursor` of the previous page" }),
});
export type AuditLogQueryParams = z.infer<typeof AuditLogQuerySchema>;

export function serializeAuditRecord(row: AuditRecordRow): AuditRecord {
  return {
    id: row.id,
    object: "audit_record",
    organization_id: row.organizationId,
    actor_key_id: row.actorKeyId,
    actor_user_id: row.actorUserId,
    action: row.action,
    resource_type: row.resourceType,
    resource_id: row.resourceId,
    before: row.before ?? null,
    after: row.after ?? null,
    request_id: row.requestId,
    created_at: isoTime(row.createdAt),
  };
}
