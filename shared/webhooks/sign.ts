// Standard Webhooks signatures: HMAC-SHA256 over `${id}.${timestamp}.${body}`, base64, "v1,"-prefixed.
// The timestamp is signed so a captured request cannot be replayed later; the id lets receivers dedupe.
import { bytesToBase64, parseWebhookSecret } from "./secret";

export interface WebhookMessage {
  id: string;
  /** Unix seconds; the receiver rejects anything outside its tolerance window. */
  timestamp: number;
  /** The exact bytes sent: receivers verify the raw body, never a re-serialisation. */
  body: string;
}

// A type alias, not an interface, so it stays assignable to Record<string, string> (fetch's HeadersInit).
export type WebhookHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
  "content-type": "application/json";
};

const encoder = new TextEncoder();

async function signOne(msg: WebhookMessage, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    parseWebhookSecret(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${msg.id}.${msg.timestamp}.${msg.body}`));
  return bytesToBase64(new Uint8Array(mac));
}

/** One `v1,<b64>` per secret, space-separated: during rotation receivers holding either secret verify. */
export async function signWebhook(msg: WebhookMessage, secrets: readonly string[]): Promise<string> {
  if (secrets.length === 0) throw new Error("signWebhook needs at least one secret");
  if (!Number.isSafeInteger(msg.timestamp) || msg.timestamp < 0) {
    throw new Error("webhook timestamp must be whole unix seconds");
  }
  const sigs = await Promise.all(secrets.map((s) => signOne(msg, s)));
  return sigs.map((s) => `v1,${s}`).join(" ");
}

export async function webhookHeaders(
  msg: WebhookMessage,
  secrets: readonly string[],
): Promise<WebhookHeaders> {
  return {
    "webhook-id": msg.id,
    "webhook-timestamp": String(msg.timestamp),
    "webhook-signature": await signWebhook(msg, secrets),
    "content-type": "application/json",
  };
}

// Compares every byte whatever the first difference, so timing does not reveal a matching prefix.
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function header(headers: Headers | Record<string, string | undefined>, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

export interface VerifyOptions {
  /** Unix seconds, injected so tests control the clock. */
  now: number;
  toleranceSeconds?: number;
}

/** True if any `v1` signature in the header matches `secret` and the timestamp is within tolerance. */
export async function verifyWebhook(
  headers: Headers | Record<string, string | undefined>,
  body: string,
  secret: string,
  { now, toleranceSeconds = 300 }: VerifyOptions,
): Promise<boolean> {
  const id = header(headers, "webhook-id");
  const ts = header(headers, "webhook-timestamp");
  const sigHeader = header(headers, "webhook-signature");
  if (!id || !ts || !sigHeader || !/^\d{1,15}$/.test(ts)) return false;
  const timestamp = Number(ts);
  if (Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = await signOne({ id, timestamp, body }, secret);
  let match = false;
  // Check every candidate (no early exit); other versions (e.g. v1a asymmetric) are skipped.
  for (const candidate of sigHeader.split(" ")) {
    const [version, sig] = candidate.split(",", 2);
    if (version === "v1" && sig !== undefined && constantTimeEqual(sig, expected)) match = true;
  }
  return match;
}
