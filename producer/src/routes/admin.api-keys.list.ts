import { createRoute, z } from "@hono/zod-openapi";
import { decodeCursor } from "../../../shared/db/pages";
import { ApiError } from "../../../shared/errors";
import { apiKeyView, listApiKeys } from "../../../shared/tenancy/api-keys";
import type { App } from "../app";
import { authErrors, problemResponses } from "../problem";
import { ApiKeyListSchema } from "../schemas/api-keys";

const id = (description: string, example: string) =>
  z.string().min(1).max(64).optional().openapi({ description, example });

const ListQuerySchema = z.object({
  instance_id: id("Only keys narrowed to this instance", "ins_0a1b2c3d4e5f6g7h8i9j"),
  user_id: id("Only keys of this user", "usr_0a1b2c3d4e5f6g7h8i9j"),
  project_id: id("Only keys narrowed to this project", "prj_0a1b2c3d4e5f6g7h8i9j"),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: z.string().max(200).optional().openapi({ description: "`next_cursor` of the previous page" }),
});

export const listApiKeysRoute = createRoute({
  method: "get",
  path: "/v1/admin/api-keys",
  tags: ["admin"],
  summary: "List API keys, newest first",
  description:
    "Never shows a secret or a hash. A super_admin sees every organization's keys, an admin its " +
    "organization's, a user only its own (a project service key only itself); a key narrowed to an " +
    "instance or project sees only keys narrowed to it. Revoked and expired keys are listed with their status.",
  request: { query: ListQuerySchema },
  responses: {
    200: { description: "A page of keys", content: { "application/json": { schema: ApiKeyListSchema } } },
    ...problemResponses(...authErrors, "validation_failed"),
  },
});
export type ListApiKeysQuery = z.infer<typeof ListQuerySchema>;

export function registerListApiKeys(app: App) {
  app.openapi(listApiKeysRoute, async (c) => {
    const query = c.req.valid("query");
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (cursor === null) {
      throw new ApiError("validation_failed", "cursor is not one this API gave out", [
        { path: "query.cursor", message: "invalid cursor" },
      ]);
    }
    const page = await listApiKeys(c.get("db"), c.get("caller"), {
      instanceId: query.instance_id,
      userId: query.user_id,
      projectId: query.project_id,
      limit: query.limit,
      cursor,
    });
    const now = Date.now();
    return c.json(
      {
        object: "list" as const,
        data: page.rows.map((row) => apiKeyView(row, now)),
        next_cursor: page.nextCursor,
      },
      200,
    );
  });
}
