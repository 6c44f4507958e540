import { createRoute, z } from "@hono/zod-openapi";
import { getJobForInstance } from "../../../shared/db/queries/jobs";
import { ApiError } from "../../../shared/errors";
import { imageResponse, jobImageObject } from "../../../shared/images/serve";
import { jobApiErrors, problemResponses } from "../problem";
import { JobImageParamsSchema } from "../schemas/jobs";
import type { App } from "../app";

export const jobImageRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/images/{n}",
  tags: ["jobs"],
  summary: "Download one image of a succeeded job",
  description:
    "With the API key. Without one, use the image's `signed_url` (GET /signed/jobs/{id}/images/{n}). 410 images_removed once retention or DELETE removed the job's images.",
  request: { params: JobImageParamsSchema },
  responses: {
    200: {
      description: "The image bytes",
      content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses(
      ...jobApiErrors,
      "job_not_found",
      "image_not_found",
      "images_removed",
      "validation_failed",
    ),
  },
});

export function registerJobImage(app: App) {
  app.openapi(jobImageRoute, async (c) => {
    const { id, n } = c.req.valid("param");
    const job = await getJobForInstance(c.get("db"), c.get("principal"), id);
    if (!job) throw new ApiError("job_not_found", `No job ${id}`);
    const { image, object } = await jobImageObject(c.env.IMAGES, job, n);
    return imageResponse(image, object, "private, max-age=3600, immutable");
  });
}
