// The fakes' image "CDN": URLs that work for imageTtlMs after they are handed out, then answer
// 403 like an expired signed URL. PNG bytes are cached per size, so many images cost little.
import { makePng } from "./png";

interface Stored {
  bytes: Uint8Array;
  expiresAt: number;
}

export class ImageStore {
  private readonly images = new Map<string, Stored>();
  private readonly pngs = new Map<string, Uint8Array>();
  private next = 0;

  /** Stores a width x height PNG valid for ttlMs; returns its path, /images/<id>.png. */
  add(width: number, height: number, ttlMs: number, now: number): string {
    this.sweep(now);
    const key = `${width}x${height}`;
    let bytes = this.pngs.get(key);
    if (!bytes) {
      bytes = makePng(width, height);
      this.pngs.set(key, bytes);
    }
    const id = `img_${(++this.next).toString(36)}_${now.toString(36)}`;
    this.images.set(id, { bytes, expiresAt: now + ttlMs });
    return `/images/${id}.png`;
  }

  /** The bytes for a path, "expired", or undefined when the id was never handed out. */
  get(path: string, now: number): Uint8Array | "expired" | undefined {
    const id = /^\/images\/([\w-]+)\.png$/.exec(path)?.[1];
    const img = id ? this.images.get(id) : undefined;
    if (!img) return undefined;
    return now >= img.expiresAt ? "expired" : img.bytes;
  }

  /** Forgets images long past expiry (kept a while so late fetches still see 403, not 404). */
  private sweep(now: number): void {
    for (const [id, img] of this.images) if (now - img.expiresAt > 10 * 60_000) this.images.delete(id);
  }
}
