import { createRoute, z } from "@hono/zod-openapi";
import { getJobForInstance } from "../../../shared/db/queries/jobs";
import { ApiError } from "../../../shared/errors";
import { jobApiErrors, problemResponses } from "../problem";
import { JobIdParamSchema } from "../schemas/jobs";
import type { App } from "../app";

// `required: true` is stated: the generator calls a parameter optional when its schema accepts null,
// and z.coerce turns null into 0, so `n` would be declared optional, which OpenAPI forbids for path
// parameters (test/scripts/openapi-document.test.ts checks the document).
const ParamsSchema = JobIdParamSchema.extend({
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

export const jobImageRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/images/{n}",
  tags: ["jobs"],
  summary: "Download one image of a succeeded job",
  request: { params: ParamsSchema },
  responses: {
    200: {
      description: "The image bytes",
      content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses(...jobApiErrors, "job_not_found", "image_not_found", "validation_failed"),
  },
});

export function registerJobImage(app: App) {
  app.openapi(jobImageRoute, async (c) => {
    const { id, n } = c.req.valid("param");
    const db = c.get("db");
    const job = await getJobForInstance(db, c.get("principal"), id);
    if (!job) throw new ApiError("job_not_found", `No job ${id}`);
    const image = job.images?.find((img) => img.index === n);
    const object = image ? await c.env.IMAGES.get(image.r2Key) : null;
    if (!image || !object) throw new ApiError("image_not_found", `Job ${id} has no image ${n}`);
    return new Response(object.body, {
      status: 200,
      headers: {
        "content-type": image.contentType,
        "content-length": String(object.size),
        etag: object.httpEtag,
        "cache-control": "private, max-age=3600, immutable",
      },
    });
  });
}
