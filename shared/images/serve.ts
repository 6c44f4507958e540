// The one image of a job both image routes (with a key, and signed) answer with, or the error.
import type { JobImage, JobRow } from "../db/queries/jobs";
import { ApiError } from "../errors";

/** Image `n` of the job and its R2 object: 410 once the images were removed, 404 when absent. */
export async function jobImageObject(
  bucket: R2Bucket,
  job: JobRow,
  n: number,
): Promise<{ image: JobImage; object: R2ObjectBody }> {
  if (job.imagesRemovedAt !== null || job.deletedAt !== null) {
    throw new ApiError("images_removed", `The images of job ${job.id} were removed`);
  }
  const image = job.images?.find((img) => img.index === n);
  const object = image ? await bucket.get(image.r2Key) : null;
  if (!image || !object) throw new ApiError("image_not_found", `Job ${job.id} has no image ${n}`);
  return { image, object };
}

/** The image response; `cacheControl` is the route's own (a signed URL's must end with its expiry). */
export function imageResponse(image: JobImage, object: R2ObjectBody, cacheControl: string): Response {
  return new Response(object.body, {
    status: 200,
    headers: {
      "content-type": image.contentType,
      "content-length": String(object.size),
      etag: object.httpEtag,
      "cache-control": cacheControl,
    },
  });
}
