import { createRoute, type z } from "@hono/zod-openapi";
import { unassignInstance } from "../../../shared/tenancy/assignments";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";
import { AssignmentParamSchema } from "../schemas/users";

export const unassignUserInstanceRoute = createRoute({
  method: "delete",
  path: "/v1/admin/users/{id}/instances/{instance_id}",
  tags: ["admin"],
  summary: "Unassign a user from an instance",
  description:
    "Idempotent: 204 whether or not the user was assigned (only a removal is written to the audit " +
    "log). The instance must belong to the user's organization and be reachable by the key (else " +
    "404 instance_not_found). Admin keys only.",
  request: { params: AssignmentParamSchema },
  responses: {
    204: { description: "The user is not assigned to the instance (any more)" },
    ...problemResponses(
      ...adminErrors,
      "user_not_found",
      "instance_not_found",
      "validation_failed",
      "payload_too_large",
    ),
  },
});
export type UnassignUserInstanceParams = z.infer<typeof AssignmentParamSchema>;

export function registerUnassignUserInstance(app: App) {
  app.openapi(unassignUserInstanceRoute, async (c) => {
    const { id, instance_id } = c.req.valid("param");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    await unassignInstance(ctx, id, instance_id);
    return c.body(null, 204);
  });
}
