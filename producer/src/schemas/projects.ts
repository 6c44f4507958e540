// Schemas the project routes share that only HTTP knows: the path parameter.
import { z } from "@hono/zod-openapi";

export const ProjectIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
});
