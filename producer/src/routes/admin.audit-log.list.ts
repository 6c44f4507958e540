import { createRoute, type z } from "@hono/zod-openapi";
import { decodeCursor } from "../../../shared/db/pages";
import { ApiError } from "../../../shared/errors";
import { listAuditRecords } from "../../../shared/tenancy/audit-log";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";
import { AuditLogQuerySchema, AuditRecordListSchema, serializeAuditRecord } from "../schemas/audit-log";

export const listAuditLogRoute = createRoute({
  method: "get",
  path: "/v1/admin/audit-log",
  tags: ["admin"],
  summary: "List audit records, newest first",
  description:
    "Every admin change (who, what, before/after, request id). A super_admin key reads all " +
    "organizations (or one, with `organization_id`); an admin key reads its own organization's. " +
    "Filters combine; `since` is inclusive, `until` exclusive. User keys: 403.",
  request: { query: AuditLogQuerySchema },
  responses: {
    200: {
      description: "A page of audit records",
      content: { "application/json": { schema: AuditRecordListSchema } },
    },
    ...problemResponses(...adminErrors, "validation_failed", "organization_not_found"),
  },
});
export type ListAuditLogQuery = z.infer<typeof AuditLogQuerySchema>;

export function registerListAuditLog(app: App) {
  app.openapi(listAuditLogRoute, async (c) => {
    const q = c.req.valid("query");
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (cursor === null) {
      throw new ApiError("validation_failed", "cursor is not one this API gave out", [
        { path: "query.cursor", message: "invalid cursor" },
      ]);
    }
    const page = await listAuditRecords(c.get("db"), c.get("caller"), {
      organizationId: q.organization_id,
      action: q.action,
      resourceType: q.resource_type,
      resourceId: q.resource_id,
      actorUserId: q.actor_user_id,
      since: q.since === undefined ? undefined : Date.parse(q.since),
      until: q.until === undefined ? undefined : Date.parse(q.until),
      limit: q.limit,
      cursor,
    });
    return c.json(
      { object: "list" as const, data: page.rows.map(serializeAuditRecord), next_cursor: page.nextCursor },
      200,
    );
  });
}
