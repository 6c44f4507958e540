// The image behind a signed URL: no API key, the signature is the credential. A path of its own
// (outside /v1, so the key middleware never runs) rather than query parameters on the keyed route:
// each operation keeps one security scheme and its own error codes in /openapi.json, and a request
// is never half key, half signature.
import { createRoute, z } from "@hono/zod-openapi";
import { getJob } from "../../../shared/db/queries/jobs";
import { ApiError } from "../../../shared/errors";
import { imageUrlKeyFrom } from "../../../shared/images/job-urls";
import { imageResponse, jobImageObject } from "../../../shared/images/serve";
import { signedImagePath, verifyImagePath } from "../../../shared/images/signed-url";
import { problemResponses } from "../problem";
import { JobImageParamsSchema } from "../schemas/jobs";
import type { App } from "../app";

const QuerySchema = z.object({
  expires: z
    .string()
    .max(20)
    .openapi({ description: "Expiry, epoch seconds, as issued", example: "1764766800" }),
  signature: z
    .string()
    .max(100)
    .openapi({ description: "base64url HMAC-SHA-256, as issued", example: "3q2-7w" }),
});

export const signedJobImageRoute = createRoute({
  method: "get",
  path: "/signed/jobs/{id}/images/{n}",
  tags: ["jobs"],
  summary: "Download one image through its signed URL (no API key)",
  description:
    "The `signed_url` of a job's image, as GET /v1/jobs/{id} shows it, works without a key until `signed_url_expires_at`. A wrong signature is 403 image_url_invalid, a past expiry 403 image_url_expired.",
  security: [],
  request: { params: JobImageParamsSchema, query: QuerySchema },
  responses: {
    200: {
      description: "The image bytes; cacheable privately until the URL expires",
      content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses(
      "image_url_invalid",
      "image_url_expired",
      "job_not_found",
      "image_not_found",
      "images_removed",
      "validation_failed",
    ),
  },
});

export function registerSignedJobImage(app: App) {
  app.openapi(signedJobImageRoute, async (c) => {
    const { id, n } = c.req.valid("param");
    const { expires, signature } = c.req.valid("query");
    const now = Date.now();
    const key = await imageUrlKeyFrom(c.env);
    const check = key
      ? await verifyImagePath(signedImagePath(id, n), expires, signature, key, now)
      : "invalid";
    if (check === "invalid")
      throw new ApiError("image_url_invalid", "The signature does not match this image URL");
    if (check === "expired")
      throw new ApiError(
        "image_url_expired",
        "The image URL has expired; get a fresh one from GET /v1/jobs/{id}",
      );
    const job = await getJob(c.get("db"), id);
    if (!job) throw new ApiError("job_not_found", `No job ${id}`);
    const { image, object } = await jobImageObject(c.env.IMAGES, job, n);
    // Private: a shared cache would keep serving the bytes after the images were removed. Never past the expiry.
    const maxAge = Math.max(0, Number(expires) - Math.ceil(now / 1000));
    return imageResponse(image, object, `private, max-age=${maxAge}`);
  });
}
