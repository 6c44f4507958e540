import { createRoute, z } from "@hono/zod-openapi";
import { createUser } from "../../../shared/tenancy/users";
import type { App } from "../app";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { roleField, UserSchema, userName } from "../schemas/users";

const CreateBodySchema = z
  .object({
    email: z.email().max(254).openapi({
      description: "Unique across the deployment; stored in lower case",
      example: "ada@example.com",
    }),
    name: userName(),
    role: roleField(),
    organization_id: z.string().min(1).max(64).optional().openapi({
      description: "The user's organization (a super_admin may name any). Default: the caller's",
      example: "org_0a1b2c3d4e5f6g7h8i9j",
    }),
  })
  .strict()
  .openapi("CreateUserRequest");

export const createUserRoute = createRoute({
  method: "post",
  path: "/v1/admin/users",
  tags: ["admin"],
  summary: "Create a user",
  description:
    "Admins create users of their organization, a super_admin of any. The role may be no higher " +
    "than the caller's (else 403 forbidden); an email already in use is 409 email_taken; a " +
    "disabled organization is 409 archived. Written to the audit log.",
  request: {
    body: { required: true, content: { "application/json": { schema: CreateBodySchema } } },
  },
  responses: {
    201: { description: "The new user", content: { "application/json": { schema: UserSchema } } },
    ...problemResponses(
      ...adminErrors,
      ...jsonBodyErrors,
      "organization_not_found",
      "email_taken",
      "archived",
    ),
  },
});
export type CreateUserRequest = z.infer<typeof CreateBodySchema>;

export function registerCreateUser(app: App) {
  app.openapi(createUserRoute, async (c) => {
    const body = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    const user = await createUser(ctx, {
      email: body.email,
      name: body.name,
      role: body.role,
      organizationId: body.organization_id,
    });
    return c.json(user, 201);
  });
}
