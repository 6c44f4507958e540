import { createRoute, z } from "@hono/zod-openapi";
import { adminErrors, problemResponses } from "../problem";
import { providerNames } from "../../../shared/jobs/enums";
import { listKeys } from "../../../shared/providers/keys/service";
import type { App } from "../app";
import { requireMasterKey } from "../master-key";
import { ProviderKeySchema, serializeProviderKey } from "../schemas/provider-keys";

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
