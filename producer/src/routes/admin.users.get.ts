import { createRoute, type z } from "@hono/zod-openapi";
import { getUser } from "../../../shared/tenancy/users";
import type { App } from "../app";
import { authErrors, problemResponses } from "../problem";
import { UserIdParamSchema, UserSchema } from "../schemas/users";

export const getUserRoute = createRoute({
  method: "get",
  path: "/v1/admin/users/{id}",
  tags: ["admin"],
  summary: "Get a user",
  description: "A user the key reaches (a user key: only its own user); any other is a 404.",
  request: { params: UserIdParamSchema },
  responses: {
    200: { description: "The user", content: { "application/json": { schema: UserSchema } } },
    ...problemResponses(...authErrors, "user_not_found", "validation_failed"),
  },
});
export type GetUserParams = z.infer<typeof UserIdParamSchema>;

export function registerGetUser(app: App) {
  app.openapi(getUserRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await getUser(c.get("db"), c.get("caller"), id), 200);
  });
}
