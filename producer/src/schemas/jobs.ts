// Schemas the job routes share that only HTTP knows: the path parameter.
import { z } from "@hono/zod-openapi";

export const JobIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "job_0a1b2c3d4e5f6g7h8i9j" }),
});
