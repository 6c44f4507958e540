import { createRoute, z } from "@hono/zod-openapi";
import { updateUser } from "../../../shared/tenancy/users";
import type { App } from "../app";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { roleField, UserIdParamSchema, UserSchema, userName } from "../schemas/users";

const UpdateBodySchema = z
  .object({ name: userName().optional(), role: roleField().optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: "send at least one field to change" })
  .openapi("UpdateUserRequest");

export const updateUserRoute = createRoute({
  method: "patch",
  path: "/v1/admin/users/{id}",
  tags: ["admin"],
  summary: "Rename a user or change its role",
  description:
    "Admin keys only. The caller must be able to give both the user's current role and the new " +
    "one (an admin may not touch a super_admin nor make one: 403), and may not change its own " +
    "user's role (403). A disabled user is 409 archived. A role change applies to the user's keys " +
    "at once in this isolate, everywhere within 10 seconds. Written to the audit log.",
  request: {
    params: UserIdParamSchema,
    body: { required: true, content: { "application/json": { schema: UpdateBodySchema } } },
  },
  responses: {
    200: { description: "The user as changed", content: { "application/json": { schema: UserSchema } } },
    ...problemResponses(...adminErrors, ...jsonBodyErrors, "user_not_found", "archived"),
  },
});
export type UpdateUserRequest = z.infer<typeof UpdateBodySchema>;

export function registerUpdateUser(app: App) {
  app.openapi(updateUserRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    return c.json(await updateUser(ctx, id, { name: body.name, role: body.role }), 200);
  });
}
