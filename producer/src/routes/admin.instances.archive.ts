import { createRoute, type z } from "@hono/zod-openapi";
import { archiveInstance } from "../../../shared/tenancy/instances";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";
import { InstanceIdParamSchema, InstanceSchema } from "../schemas/instances";

export const archiveInstanceRoute = createRoute({
  method: "delete",
  path: "/v1/admin/instances/{id}",
  tags: ["admin"],
  summary: "Archive an instance",
  description:
    "Archives, never deletes: the instance's keys stop working (at once in the isolate that archived it, " +
    "everywhere within 10 seconds), it takes no further changes, its jobs and images stay. " +
    "Archiving an archived instance is 409 archived.",
  request: { params: InstanceIdParamSchema },
  responses: {
    200: {
      description: "The archived instance (`status` is `archived`)",
      content: { "application/json": { schema: InstanceSchema } },
    },
    ...problemResponses(
      ...adminErrors,
      "instance_not_found",
      "archived",
      "validation_failed",
      "payload_too_large",
    ),
  },
});
export type ArchiveInstanceParams = z.infer<typeof InstanceIdParamSchema>;

export function registerArchiveInstance(app: App) {
  app.openapi(archiveInstanceRoute, async (c) => {
    const { id } = c.req.valid("param");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    return c.json(await archiveInstance(ctx, id), 200);
  });
}
