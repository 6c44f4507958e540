import { createRoute, type z } from "@hono/zod-openapi";
import { getInstance } from "../../../shared/tenancy/instances";
import type { App } from "../app";
import { authErrors, problemResponses } from "../problem";
import { InstanceIdParamSchema, InstanceSchema } from "../schemas/instances";

export const getInstanceRoute = createRoute({
  method: "get",
  path: "/v1/admin/instances/{id}",
  tags: ["admin"],
  summary: "One instance",
  description: "An instance the key does not reach (another organization's, or not assigned) is a 404.",
  request: { params: InstanceIdParamSchema },
  responses: {
    200: { description: "The instance", content: { "application/json": { schema: InstanceSchema } } },
    ...problemResponses(...authErrors, "instance_not_found", "validation_failed"),
  },
});
export type GetInstanceParams = z.infer<typeof InstanceIdParamSchema>;

export function registerGetInstance(app: App) {
  app.openapi(getInstanceRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await getInstance(c.get("db"), c.get("caller"), id), 200);
  });
}
