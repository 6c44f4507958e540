// Signed, expiring image URLs: HMAC-SHA-256 over the URL's path and its expiry, so an <img> tag or
// a downstream app can fetch one image without the API key, until the expiry. Pure WebCrypto with
// the clock passed in (runs in Workers and Node alike). The signing key is derived with HKDF from
// the PROVIDER_KEYS_MASTER_KEY secret under its own info label: no new secret to deploy, and a
// signature never doubles as anything the provider-key encryption uses.
import { base64ToBytes } from "../webhooks/secret";

/** The TTL when the instance sets none (instances.image_url_ttl_seconds null). */
export const DEFAULT_IMAGE_URL_TTL_SECONDS = 3600;
export const MIN_IMAGE_URL_TTL_SECONDS = 60;
export const MAX_IMAGE_URL_TTL_SECONDS = 7 * 24 * 3600;

/** Bumping the label invalidates every URL handed out before; the path format is part of it. */
const HKDF_INFO = "genqueue image-url signing v1";
const MASTER_KEY_BYTES = 32;
const encoder = new TextEncoder();

/** The public path a signed URL points at (producer/src/routes/jobs.image.signed.ts). */
export function signedImagePath(jobId: string, index: number): string {
  return `/signed/jobs/${jobId}/images/${index}`;
}

/** What is signed: the expiry and the path, newline-separated (neither can hold a newline). */
function message(path: string, expiresAt: number): Uint8Array<ArrayBuffer> {
  // Copied: the encoder's result is typed over any buffer, WebCrypto wants an ArrayBuffer one.
  return new Uint8Array(encoder.encode(`${expiresAt}\n${path}`));
}

function toBase64Url(bytes: ArrayBuffer): string {
  let bin = "";
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Strict unpadded base64url of exactly 32 bytes (43 characters); null for anything else. */
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(text)) return null;
  const bin = atob(`${text.replaceAll("-", "+").replaceAll("_", "/")}=`);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/**
 * The HMAC key for image URLs, derived from the master key secret (base64 of 32 bytes). Throws
 * when the secret is malformed; the message never contains it.
 */
export async function deriveImageUrlKey(masterKeySecret: string): Promise<CryptoKey> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = base64ToBytes(masterKeySecret.trim());
  } catch {
    throw new Error("the master key secret is not standard padded base64");
  }
  if (bytes.length !== MASTER_KEY_BYTES)
    throw new Error(`the master key secret is not ${MASTER_KEY_BYTES} bytes`);
  const ikm = await crypto.subtle.importKey("raw", bytes, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(HKDF_INFO) },
    ikm,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

/** The base64url HMAC of `path` and `expiresAt` (epoch seconds). */
export async function signImagePath(path: string, expiresAt: number, key: CryptoKey): Promise<string> {
  return toBase64Url(await crypto.subtle.sign("HMAC", key, message(path, expiresAt)));
}

export type SignatureCheck = "valid" | "expired" | "invalid";

/**
 * Whether `signature` signs `path` until `expires` (the query string's text, epoch seconds) at
 * `nowMs`. The signature is checked first, in constant time (crypto.subtle.verify), so an expired
 * answer tells only someone holding a once-valid URL that it ran out.
 */
export async function verifyImagePath(
  path: string,
  expires: string,
  signature: string,
  key: CryptoKey,
  nowMs: number,
): Promise<SignatureCheck> {
  // Canonical decimal only: "0100" or "1e9" would name the same instant under another signature.
  if (!/^[1-9][0-9]{0,11}$/.test(expires)) return "invalid";
  const mac = fromBase64Url(signature);
  if (!mac) return "invalid";
  const expiresAt = Number(expires);
  if (!(await crypto.subtle.verify("HMAC", key, mac, message(path, expiresAt)))) return "invalid";
  return nowMs >= expiresAt * 1000 ? "expired" : "valid";
}

/** The instance's TTL, or the default when it sets none. */
export function effectiveTtlSeconds(instanceTtl: number | null | undefined): number {
  return instanceTtl ?? DEFAULT_IMAGE_URL_TTL_SECONDS;
}

/**
 * When a URL signed at `nowMs` expires (epoch seconds): `ttl` from now, rounded down to a tenth
 * of the TTL (at most an hour), so every read within that step hands out the same URL and a
 * browser's cache keeps working. A URL thus lives between 0.9 and 1 times the TTL; never longer.
 */
export function expiryFor(nowMs: number, ttlSeconds: number): number {
  const step = Math.max(1, Math.min(3600, Math.floor(ttlSeconds / 10)));
  return Math.floor((Math.floor(nowMs / 1000) + ttlSeconds) / step) * step;
}

/** A signed URL (path and query) and its expiry (epoch seconds). */
export interface SignedImageUrl {
  url: string;
  expiresAt: number;
}

export async function signedImageUrl(
  jobId: string,
  index: number,
  key: CryptoKey,
  ttlSeconds: number,
  nowMs: number,
): Promise<SignedImageUrl> {
  const path = signedImagePath(jobId, index);
  const expiresAt = expiryFor(nowMs, ttlSeconds);
  const signature = await signImagePath(path, expiresAt, key);
  return { url: `${path}?expires=${expiresAt}&signature=${signature}`, expiresAt };
}
