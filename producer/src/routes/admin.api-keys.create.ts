import { createRoute, z } from "@hono/zod-openapi";
import { apiKeyView, createApiKey } from "../../../shared/tenancy/api-keys";
import type { App } from "../app";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { ApiKeyWithSecretSchema } from "../schemas/api-keys";

const id = (description: string, example: string) =>
  z.string().min(1).max(64).optional().openapi({ description, example });

const CreateBodySchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .openapi({ description: "What the key is for (1-100 characters)", example: "ci deploys" }),
    instance_id: id(
      "The instance to narrow the key to (default: the project's, else the calling key's; none: organization-wide, admin keys only)",
      "ins_0a1b2c3d4e5f6g7h8i9j",
    ),
    project_id: id(
      "The project to narrow the key to (default: the calling key's project)",
      "prj_0a1b2c3d4e5f6g7h8i9j",
    ),
    user_id: z.string().min(1).max(64).nullable().optional().openapi({
      description:
        "The owner, whose role the key gets (default: the calling key's user). null: a service key of `project_id` (role user)",
      example: "usr_0a1b2c3d4e5f6g7h8i9j",
    }),
    expires_at: z.iso.datetime({ offset: true }).optional().openapi({
      description: "When the key stops working (ISO 8601, in the future); default: never",
      example: "2027-01-01T00:00:00Z",
    }),
  })
  .strict()
  .openapi("CreateApiKeyRequest");

export const createApiKeyRoute = createRoute({
  method: "post",
  path: "/v1/admin/api-keys",
  tags: ["admin"],
  summary: "Create an API key; its secret is shown once",
  description:
    "The key gets its owner's role (a project service key: user). A user key must be narrowed to an " +
    "instance; only admin and super_admin keys may be organization-wide. A key creates no key wider " +
    "than itself: its instance and project carry over, it grants no role above its own, and a user " +
    "key creates keys only for its own user. A user owner must be assigned to the instance (else " +
    "403). An instance, project or user out of reach is a 404; an archived instance or project, or " +
    "a disabled user, is 409 archived. Only the secret's SHA-256 hash and prefix are stored.",
  request: {
    body: { required: true, content: { "application/json": { schema: CreateBodySchema } } },
  },
  responses: {
    201: {
      description: "The key, with its secret (this once)",
      content: { "application/json": { schema: ApiKeyWithSecretSchema } },
    },
    ...problemResponses(
      ...adminErrors,
      ...jsonBodyErrors,
      "instance_not_found",
      "project_not_found",
      "user_not_found",
      "archived",
    ),
  },
});
export type CreateApiKeyRequest = z.infer<typeof CreateBodySchema>;

export function registerCreateApiKey(app: App) {
  app.openapi(createApiKeyRoute, async (c) => {
    const body = c.req.valid("json");
    const now = Date.now();
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now };
    const { row, secret } = await createApiKey(ctx, {
      name: body.name,
      instanceId: body.instance_id,
      projectId: body.project_id,
      userId: body.user_id,
      expiresAt: body.expires_at === undefined ? undefined : Date.parse(body.expires_at),
    });
    return c.json({ ...apiKeyView(row, now), secret }, 201);
  });
}
