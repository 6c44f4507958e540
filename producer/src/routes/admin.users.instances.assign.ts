import { createRoute, type z } from "@hono/zod-openapi";
import { assignInstance } from "../../../shared/tenancy/assignments";
import type { App } from "../app";
import { adminErrors, bodyErrors, problemResponses } from "../problem";
import { AssignmentParamSchema, AssignmentSchema } from "../schemas/users";

export const assignUserInstanceRoute = createRoute({
  method: "put",
  path: "/v1/admin/users/{id}/instances/{instance_id}",
  tags: ["admin"],
  summary: "Assign a user to an instance",
  description:
    "Lets the user use the instance (its keys narrowed to it, its projects). Idempotent: assigning " +
    "again answers 200 with the existing assignment. The instance must belong to the user's " +
    "organization and be reachable by the key (else 404 instance_not_found); a disabled user or an " +
    "archived instance is 409 archived. Admin keys only; no body. Written to the audit log.",
  request: { params: AssignmentParamSchema },
  responses: {
    200: { description: "The assignment", content: { "application/json": { schema: AssignmentSchema } } },
    ...problemResponses(
      ...adminErrors,
      ...bodyErrors,
      "user_not_found",
      "instance_not_found",
      "archived",
      "validation_failed",
    ),
  },
});
export type AssignUserInstanceParams = z.infer<typeof AssignmentParamSchema>;

export function registerAssignUserInstance(app: App) {
  app.openapi(assignUserInstanceRoute, async (c) => {
    const { id, instance_id } = c.req.valid("param");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    return c.json(await assignInstance(ctx, id, instance_id), 200);
  });
}
