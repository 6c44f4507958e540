// Schemas the job routes share that only HTTP knows: the path parameters.
import { z } from "@hono/zod-openapi";

export const JobIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "job_0a1b2c3d4e5f6g7h8i9j" }),
});

/**
 * `{id}` and `{n}` of the image routes (with a key, and signed). `n` is decimal digits only: a
 * number coercion would also read `0x0`, `1e1` or ` 1` and serve an image under a second URL.
 */
export const JobImageParamsSchema = JobIdParamSchema.extend({
  n: z
    .string()
    .regex(/^\d{1,2}$/, "the image index is 0-63 in decimal digits")
    .transform(Number)
    .pipe(z.number().int().max(63, "the image index is 0-63"))
    .openapi({
      param: { name: "n", in: "path", required: true },
      example: "0",
      description: "Image index, from 0, in decimal digits",
    }),
});
