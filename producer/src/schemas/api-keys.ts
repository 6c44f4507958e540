// What the api-keys routes share: the key as the API shows it (with its secret, once), a page of
// keys, the key id path parameter. The representation itself is shared/tenancy/api-keys.ts.
import { z } from "@hono/zod-openapi";
import { roles } from "../../../shared/jobs/enums";
import { type ApiKeyView, apiKeyStatuses } from "../../../shared/tenancy/api-keys";

const time = (description: string) =>
  z.string().openapi({ description, example: "2026-11-21T12:00:00.000Z" });
const timeOrNull = (description: string) => z.string().nullable().openapi({ description, example: null });

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ description: "API key id", example: "key_0a1b2c3d4e5f6g7h8i9j" }),
    object: z.literal("api_key").openapi({ example: "api_key" }),
    name: z.string().openapi({ description: "What the key is for", example: "ci deploys" }),
    prefix: z
      .string()
      .openapi({ description: "The secret's first characters, safe to display", example: "gq_4k2m9x0" }),
    role: z.enum(roles).openapi({
      description:
        "The owner's role when the key was made (a service key: user); a lower current role of the owner narrows it",
      example: "user",
    }),
    status: z.enum(apiKeyStatuses).openapi({
      description: "active, revoked, or expired (past `expires_at`)",
      example: "active",
    }),
    organization_id: z.string().openapi({ example: "org_0a1b2c3d4e5f6g7h8i9j" }),
    instance_id: z.string().nullable().openapi({
      description: "The instance the key is narrowed to; null: organization-wide (admin keys only)",
      example: "ins_0a1b2c3d4e5f6g7h8i9j",
    }),
    project_id: z.string().nullable().openapi({
      description: "The project the key is narrowed to, if any",
      example: "prj_0a1b2c3d4e5f6g7h8i9j",
    }),
    user_id: z.string().nullable().openapi({
      description: "The owner; null for a project's service key",
      example: "usr_0a1b2c3d4e5f6g7h8i9j",
    }),
    created_at: time("When the key was created"),
    expires_at: timeOrNull("When the key stops working; null: never"),
    revoked_at: timeOrNull("When the key was revoked; null: it is not"),
    last_used_at: timeOrNull("Last use, to the minute; null: never used"),
    previous_expires_at: timeOrNull(
      "After a rotation: until when the previous secret still works (null: never rotated)",
    ),
  })
  .openapi("ApiKey") satisfies z.ZodType<ApiKeyView>;
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const ApiKeyWithSecretSchema = ApiKeySchema.extend({
  secret: z.string().openapi({
    description: "The key itself (`Authorization: Bearer <secret>`): shown this once, never again",
    example: "gq_<40 characters of [0-9a-z], shown only in this answer>",
  }),
}).openapi("ApiKeyWithSecret");
export type ApiKeyWithSecret = z.infer<typeof ApiKeyWithSecretSchema>;

export const ApiKeyListSchema = z
  .object({
    object: z.literal("list").openapi({ example: "list" }),
    data: z.array(ApiKeySchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page" }),
  })
  .openapi("ApiKeyList");

export const ApiKeyIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "API key id",
      example: "key_0a1b2c3d4e5f6g7h8i9j",
    }),
});
