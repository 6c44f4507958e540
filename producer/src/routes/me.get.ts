import { createRoute, z } from "@hono/zod-openapi";
import { roles } from "../../../shared/jobs/enums";
import { getMe, type MeView } from "../../../shared/tenancy/me";
import type { App } from "../app";
import { authErrors, problemResponses } from "../problem";

const NamedSchema = (what: string, example: string) =>
  z.object({
    id: z.string().openapi({ description: `The ${what} id`, example }),
    name: z.string().openapi({ description: `The ${what}'s name`, example: "production" }),
  });

const MeSchema = z
  .object({
    object: z.literal("me").openapi({ description: "Always `me`", example: "me" }),
    key: z
      .object({
        id: z.string().openapi({ description: "The key's id", example: "key_0a1b2c3d4e5f6g7h8i9j" }),
        prefix: z.string().openapi({ description: "The key's display prefix", example: "gq_0a1b2c3" }),
        role: z.enum(roles).openapi({
          description:
            "The key's effective role: the role it was made with, narrowed to its owner's current one",
          example: "user",
        }),
        expires_at: z
          .string()
          .nullable()
          .openapi({ description: "When the key expires; null if never", example: null }),
      })
      .openapi({ description: "The calling API key" }),
    user: z
      .object({
        id: z.string().openapi({ description: "The user id", example: "usr_0a1b2c3d4e5f6g7h8i9j" }),
        email: z.string().openapi({ description: "The user's email", example: "ada@example.com" }),
        name: z.string().openapi({ description: "The user's name", example: "Ada" }),
        role: z.enum(roles).openapi({ description: "The user's role", example: "user" }),
      })
      .nullable()
      .openapi({ description: "The key's owner; null for a project's service key" }),
    organization: NamedSchema("organization", "org_0a1b2c3d4e5f6g7h8i9j").openapi({
      description: "The key's organization",
    }),
    instance: NamedSchema("instance", "ins_0a1b2c3d4e5f6g7h8i9j")
      .nullable()
      .openapi({ description: "The instance the key is narrowed to; null for an organization-wide key" }),
    project: NamedSchema("project", "prj_0a1b2c3d4e5f6g7h8i9j")
      .nullable()
      .openapi({ description: "The project the key is bound to; null if none" }),
  })
  .openapi("Me") satisfies z.ZodType<MeView>;

export const getMeRoute = createRoute({
  method: "get",
  path: "/v1/me",
  tags: ["admin"],
  summary: "Who am I: the calling key, its owner, organization, instance and project",
  description: "Any valid key.",
  responses: {
    200: {
      description: "The calling key and what it belongs to",
      content: { "application/json": { schema: MeSchema } },
    },
    ...problemResponses(...authErrors),
  },
});
export type Me = z.infer<typeof MeSchema>;

export function registerGetMe(app: App) {
  app.openapi(getMeRoute, async (c) => c.json(await getMe(c.get("db"), c.get("caller")), 200));
}
