// Schemas the job routes share that only HTTP knows: the path parameters.
import { z } from "@hono/zod-openapi";

export const JobIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "job_0a1b2c3d4e5f6g7h8i9j" }),
});

// `required: true` is stated: the generator calls a parameter optional when its schema accepts null,
// and z.coerce turns null into 0, so `n` would be declared optional, which OpenAPI forbids for path
// parameters (test/scripts/openapi-document.test.ts checks the document).
/** `{id}` and `{n}` of the image routes (with a key, and signed). */
export const JobImageParamsSchema = JobIdParamSchema.extend({
  n: z.coerce
    .number()
    .int()
    .min(0)
    .max(63)
    .openapi({
      param: { name: "n", in: "path", required: true },
      example: 0,
      description: "Image index, from 0",
    }),
});
