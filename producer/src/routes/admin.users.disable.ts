import { createRoute, type z } from "@hono/zod-openapi";
import { disableUser } from "../../../shared/tenancy/users";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";
import { UserIdParamSchema, UserSchema } from "../schemas/users";

export const disableUserRoute = createRoute({
  method: "delete",
  path: "/v1/admin/users/{id}",
  tags: ["admin"],
  summary: "Disable a user",
  description:
    "Disables, never deletes: the user's keys stop working (at once in the isolate that disabled " +
    "it, everywhere within 10 seconds); its keys, assignments and history stay. Admin keys only; " +
    "a key may not disable its own user nor a user of a higher role (403). Disabling a disabled " +
    "user is 409 archived. Written to the audit log.",
  request: { params: UserIdParamSchema },
  responses: {
    200: {
      description: "The user, now with status `disabled`",
      content: { "application/json": { schema: UserSchema } },
    },
    ...problemResponses(
      ...adminErrors,
      "user_not_found",
      "archived",
      "validation_failed",
      "payload_too_large",
    ),
  },
});
export type DisableUserParams = z.infer<typeof UserIdParamSchema>;

export function registerDisableUser(app: App) {
  app.openapi(disableUserRoute, async (c) => {
    const { id } = c.req.valid("param");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    return c.json(await disableUser(ctx, id), 200);
  });
}
