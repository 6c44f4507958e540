// Puts a job's images in R2 under {instance}/{project}/{job}/{n}.{ext}, so a tenant's objects
// share a prefix (listing, lifecycle rules and deletion per tenant stay one prefix away).
import type { JobRow } from "../../shared/db/queries/jobs";
import type { SuccessResult } from "../../shared/jobs/lifecycle";
import type { GeneratedImage } from "../../shared/providers/types";

const EXTENSIONS: Record<string, string> = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" };

export function imageKey(
  job: Pick<JobRow, "instanceId" | "projectId" | "id">,
  index: number,
  contentType: string,
) {
  return `${job.instanceId}/${job.projectId}/${job.id}/${index}.${EXTENSIONS[contentType] ?? "bin"}`;
}

export async function storeImages(
  bucket: R2Bucket,
  job: Pick<JobRow, "instanceId" | "projectId" | "id">,
  provider: string,
  images: GeneratedImage[],
): Promise<SuccessResult["images"]> {
  return Promise.all(
    images.map(async (img, index) => {
      const key = imageKey(job, index, img.contentType);
      await bucket.put(key, img.bytes, {
        httpMetadata: { contentType: img.contentType },
        customMetadata: { job_id: job.id, provider, seed: img.seed === null ? "" : String(img.seed) },
      });
      return {
        index,
        r2Key: key,
        contentType: img.contentType,
        width: img.width,
        height: img.height,
        bytes: img.bytes.byteLength,
        seed: img.seed,
      };
    }),
  );
}

export async function deleteImages(bucket: R2Bucket, keys: string[]) {
  if (keys.length > 0) await bucket.delete(keys);
}
