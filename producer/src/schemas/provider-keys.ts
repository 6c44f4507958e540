// What the provider-keys routes share: the masked key schema, its serializer, the key id param.
import { z } from "@hono/zod-openapi";
import type { MaskedProviderKey } from "../../../shared/providers/keys/service";
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

export function serializeProviderKey(key: MaskedProviderKey): ProviderKey {
  return {
    id: key.id,
    provider: key.provider,
    last4: key.last4,
    is_primary: key.isPrimary,
    created_at: isoTime(key.createdAt),
  };
}
