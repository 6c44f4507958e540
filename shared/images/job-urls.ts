// What the job views need to show signed image URLs: the signing key from the Worker's secret, the
// instance's TTL (cached per isolate, so a GET costs no extra D1 read), and the URLs of one job.
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import type { JobRow } from "../db/queries/jobs";
import { instances } from "../db/schema";
import { log } from "../observability/log";
import { masterKeySecret } from "../providers/keys/master-key";
import { TtlCache } from "../ttl-cache";
import { deriveImageUrlKey, effectiveTtlSeconds, type SignedImageUrl, signedImageUrl } from "./signed-url";

const keys = new WeakMap<object, Promise<CryptoKey | null>>();

/**
 * The image URL key of this env, or null when PROVIDER_KEYS_MASTER_KEY is not set or malformed
 * (then the views show no signed URLs and the signed route refuses every URL). Derived once per
 * env object: the runtime reuses it across invocations.
 */
export function imageUrlKeyFrom(env: object): Promise<CryptoKey | null> {
  let key = keys.get(env);
  if (!key) {
    const secret = masterKeySecret(env);
    key = secret
      ? deriveImageUrlKey(secret).catch((error: Error) => {
          log("error", "signed image URLs disabled", { error: error.message });
          return null;
        })
      : Promise.resolve(null);
    keys.set(env, key);
  }
  return key;
}

/**
 * The instance's image_url_ttl_seconds per isolate for a minute: a change made in this isolate is
 * seen at once (forgetImageUrlTtl), elsewhere within a minute. Shorter TTLs take effect for URLs
 * issued after that; URLs already out keep their own expiry.
 */
const ttlCache = new TtlCache<number | null>(60_000);

export async function instanceImageUrlTtl(db: Db, instanceId: string, now: number): Promise<number> {
  let ttl = ttlCache.get(instanceId, now);
  if (ttl === undefined) {
    const row = await db
      .select({ ttl: instances.imageUrlTtlSeconds })
      .from(instances)
      .where(eq(instances.id, instanceId))
      .get();
    ttl = row?.ttl ?? null;
    ttlCache.set(instanceId, ttl, now);
  }
  return effectiveTtlSeconds(ttl);
}

export function forgetImageUrlTtl(instanceId: string): void {
  ttlCache.delete(instanceId);
}

/** Signed URLs by image index; empty when the job shows no images (not succeeded, or removed). */
export type SignedImageUrls = ReadonlyMap<number, SignedImageUrl>;

/** Whether the job's images can be fetched at all: succeeded, and not removed by retention or DELETE. */
export function hasImages(row: JobRow): boolean {
  return row.status === "succeeded" && row.imagesRemovedAt === null && (row.images?.length ?? 0) > 0;
}

/** The signed URLs of the jobs' images (one TTL lookup per instance, cached). */
export async function signedUrlsForJobs(
  db: Db,
  env: object,
  rows: readonly JobRow[],
  now: number,
): Promise<Map<string, SignedImageUrls>> {
  const out = new Map<string, SignedImageUrls>();
  const withImages = rows.filter(hasImages);
  if (withImages.length === 0) return out;
  const key = await imageUrlKeyFrom(env);
  if (!key) return out;
  for (const row of withImages) {
    const ttl = await instanceImageUrlTtl(db, row.instanceId, now);
    const urls = await Promise.all(
      (row.images ?? []).map(
        async (img) => [img.index, await signedImageUrl(row.id, img.index, key, ttl, now)] as const,
      ),
    );
    out.set(row.id, new Map(urls));
  }
  return out;
}
