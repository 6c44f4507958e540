import { createRoute, z } from "@hono/zod-openapi";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { providerNames } from "../../../shared/jobs/enums";
import { setKey } from "../../../shared/providers/keys/service";
import { providers } from "../../../shared/providers/registry";
import type { App } from "../app";
import { requireMasterKey } from "../master-key";
import { ProviderKeySchema, serializeProviderKey } from "../schemas/provider-keys";

const CreateBodySchema = z
  .object({
    provider: z
      .enum(providerNames)
      .refine((name) => providers[name].requiresKey, { message: "this provider needs no API key" })
      .openapi({ description: "The provider the key is for", example: "ideogram" }),
    // Visible ASCII, as provider keys are: other text would not be stored (nor its last 4 shown) as sent.
    api_key: z
      .string()
      .min(8)
      .max(512)
      .regex(/^[\x21-\x7e]+$/, "must be visible ASCII")
      .openapi({
        description: "The provider API key. Stored encrypted; never shown again (only its last 4 characters)",
        example: "ideo_live_0123456789abcdefx9Qa",
      }),
  })
  .strict()
  .openapi("CreateProviderKeyRequest");

export const createProviderKeyRoute = createRoute({
  method: "post",
  path: "/v1/admin/provider-keys",
  tags: ["admin"],
  summary: "Add a provider key; it becomes the primary (set or rotate)",
  description:
    "Stores the key encrypted and makes it the provider's primary key for every project of the " +
    "admin key's instance. The previous primary stays usable, as a secondary, until it is deleted: " +
    "adding a key is how a key is set and how it is rotated. Admin keys only.",
  request: {
    body: { required: true, content: { "application/json": { schema: CreateBodySchema } } },
  },
  responses: {
    201: {
      description: "The key as stored, masked",
      content: { "application/json": { schema: ProviderKeySchema } },
    },
    ...problemResponses(...adminErrors, ...jsonBodyErrors, "encryption_not_configured"),
  },
});
export type CreateProviderKeyRequest = z.infer<typeof CreateBodySchema>;

export function registerCreateProviderKey(app: App) {
  app.openapi(createProviderKeyRoute, async (c) => {
    const masterKey = await requireMasterKey(c.env);
    const body = c.req.valid("json");
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    const key = await setKey(
      ctx.db,
      masterKey,
      {
        instanceId: c.get("principal").instanceId,
        provider: body.provider,
        apiKey: body.api_key,
        now: ctx.now,
      },
      ctx,
    );
    return c.json(serializeProviderKey(key), 201);
  });
}
