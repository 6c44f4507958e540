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
