// Standard Webhooks secrets: `whsec_` + base64 of the HMAC key. 32 random bytes by default; the
// spec allows 24..64, so secrets minted elsewhere (e.g. Svix's 24-byte ones) still parse.
const PREFIX = "whsec_";
const MIN_BYTES = 24;
const MAX_BYTES = 64;
const DEFAULT_BYTES = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Strict standard base64 (padded); throws on anything else. */
export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  if (!BASE64.test(b64)) throw new Error("not valid base64");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export function generateWebhookSecret(): string {
  return PREFIX + bytesToBase64(crypto.getRandomValues(new Uint8Array(DEFAULT_BYTES)));
}

/** Returns the HMAC key bytes. Error messages never echo the secret: they end up in logs. */
export function parseWebhookSecret(secret: string): Uint8Array<ArrayBuffer> {
  if (!secret.startsWith(PREFIX)) throw new Error(`Webhook secret must start with "${PREFIX}"`);
  let key: Uint8Array<ArrayBuffer>;
  try {
    key = base64ToBytes(secret.slice(PREFIX.length));
  } catch {
    throw new Error(`Webhook secret must be "${PREFIX}" followed by standard padded base64`);
  }
  if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
    throw new Error(`Webhook secret key must be ${MIN_BYTES}..${MAX_BYTES} bytes, got ${key.length}`);
  }
  return key;
}
