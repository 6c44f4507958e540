// API keys: shown once at creation, stored only as a SHA-256 hash plus a short display prefix.
import { randomToken } from "../ids";

const KEY_PATTERN = /^gq_[a-z0-9]{40}$/;
export const KEY_DISPLAY_PREFIX_LENGTH = 10;

/** `gq_` + 40 characters of [0-9a-z]: about 206 bits. */
export function generateApiKey(): string {
  return `gq_${randomToken(40)}`;
}

export function isWellFormedApiKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export function displayPrefix(key: string): string {
  return key.slice(0, KEY_DISPLAY_PREFIX_LENGTH);
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
