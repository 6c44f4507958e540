// Provider keys at rest: AES-GCM-256 with a master key from the Worker secret
// PROVIDER_KEYS_MASTER_KEY (base64 of 32 random bytes). Pure WebCrypto, so it runs in Workers and
// in Node alike. A stored value is base64(IV || ciphertext+tag); the additional authenticated data
// binds it to its row (`instance:provider:keyId`), so a row copied elsewhere does not decrypt.
// No message here ever contains a secret, a key or a plaintext: they end up in logs.
import { base64ToBytes, bytesToBase64 } from "../../webhooks/secret";

export const MASTER_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The master key secret is absent or malformed (the message says how, never what it holds). */
export class MasterKeyError extends Error {
  override readonly name = "MasterKeyError";
}

/** A stored value failed to decrypt: wrong master key, wrong row (AAD), or tampered. */
export class DecryptError extends Error {
  override readonly name = "DecryptError";
}

/** A new master key secret: base64 of 32 random bytes (what `openssl rand -base64 32` prints). */
export function generateMasterKey(): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(MASTER_KEY_BYTES)));
}

/** Parses and imports the master key secret; throws MasterKeyError when it is not usable. */
export async function importMasterKey(secret: string): Promise<CryptoKey> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = base64ToBytes(secret.trim());
  } catch {
    throw new MasterKeyError(
      "PROVIDER_KEYS_MASTER_KEY must be standard padded base64 of 32 random bytes (openssl rand -base64 32)",
    );
  }
  if (bytes.length !== MASTER_KEY_BYTES) {
    throw new MasterKeyError(
      `PROVIDER_KEYS_MASTER_KEY must decode to ${MASTER_KEY_BYTES} bytes, got ${bytes.length} (openssl rand -base64 32)`,
    );
  }
  return crypto.subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

/** The additional authenticated data of one stored key. */
export function keyAad(instanceId: string, provider: string, keyId: string): string {
  return `${instanceId}:${provider}:${keyId}`;
}

const encoder = new TextEncoder();

export async function encryptSecret(masterKey: CryptoKey, plaintext: string, aad: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(aad) },
    masterKey,
    encoder.encode(plaintext),
  );
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv, 0);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return bytesToBase64(out);
}

export async function decryptSecret(masterKey: CryptoKey, b64: string, aad: string): Promise<string> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = base64ToBytes(b64);
  } catch {
    throw new DecryptError("stored provider key is not valid base64");
  }
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new DecryptError("stored provider key is too short");
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: encoder.encode(aad) },
      masterKey,
      bytes.subarray(IV_BYTES),
    );
    return new TextDecoder().decode(plain);
  } catch {
    throw new DecryptError("stored provider key does not decrypt (wrong master key, wrong row or tampered)");
  }
}
