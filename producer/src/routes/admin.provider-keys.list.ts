import { createRoute, z } from "@hono/zod-openapi";
import { adminErrors, problemResponses } from "../problem";
import { providerNames } from "../../../shared/jobs/enums";
import { listKeys, type MaskedProviderKey } from "../../../shared/providers/keys/service";
import type { App } from "../app";
import { requireMasterKey } from "../master-key";
import { isoTime } from "../../../shared/time";

/** A stored provider key as the API shows it: never the key, never its ciphertext. */
export const ProviderKeySchema = z
  .object({
    id: z.string().openapi({ description: "Provider key id", example: "pk_0a1b2c3d4e5f6g7h8i9j" }),
    provider: z.string().openapi({ description: "The provider the key is for", example: "ideogram" }),
    last4: z
      .string()
      .openapi({ description: "The key's last 4 characters, to tell keys apart", example: "x9Qa" }),
    is_primary: z.boolean().openapi({
      description: "Whether jobs use this key first; the others stay usable until deleted",
      example: true,
    }),
    created_at: z
      .string()
      .openapi({ description: "When the key was added", example: "2026-11-21T12:00:00.000Z" }),
  })
  .openapi("ProviderKey");
export type ProviderKey = z.infer<typeof ProviderKeySchema>;

export const ProviderKeyIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "Provider key id",
      example: "pk_0a1b2c3d4e5f6g7h8i9j",
    }),
});

const ListQuerySchema = z.object({
  provider: z
    .enum(providerNames)
    .optional()
    .openapi({ description: "Only this provider's keys", example: "ideogram" }),
});

const ProviderKeyListSchema = z
  .object({
    object: z.literal("list").openapi({ description: "Always `list`", example: "list" }),
    data: z
      .array(ProviderKeySchema)
      .openapi({ description: "Keys by provider; within one, the primary first, then newest first" }),
  })
  .openapi("ProviderKeyList");

export function serializeProviderKey(key: MaskedProviderKey): ProviderKey {
  return {
    id: key.id,
    provider: key.provider,
    last4: key.last4,
    is_primary: key.isPrimary,
    created_at: isoTime(key.createdAt),
  };
}

export const listProviderKeysRoute = createRoute({
  method: "get",
  path: "/v1/admin/provider-keys",
  tags: ["admin"],
  summary: "List the instance's provider keys, masked",
  description:
    "The provider API keys of the admin key's instance, shared by its projects. Only the last 4 " +
    "characters of each key are shown. Admin keys only.",
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: "The instance's provider keys",
      content: { "application/json": { schema: ProviderKeyListSchema } },
    },
    ...problemResponses(...adminErrors, "validation_failed", "encryption_not_configured"),
  },
});
export type ListProviderKeysQuery = z.infer<typeof ListQuerySchema>;
export type ProviderKeyList = z.infer<typeof ProviderKeyListSchema>;

export function registerListProviderKeys(app: App) {
  app.openapi(listProviderKeysRoute, async (c) => {
    await requireMasterKey(c.env);
    const { provider } = c.req.valid("query");
    const keys = await listKeys(c.get("db"), c.get("principal").instanceId, provider);
    return c.json({ object: "list" as const, data: keys.map(serializeProviderKey) }, 200);
  });
}
