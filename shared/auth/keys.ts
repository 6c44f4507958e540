// API keys: shown once at creation, stored only as a SHA-256 hash plus a short display prefix.
const KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const KEY_PATTERN = /^gq_[a-z0-9]{40}$/;
export const KEY_DISPLAY_PREFIX_LENGTH = 10;

export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(40));
  let body = "";
  for (const b of bytes) body += KEY_ALPHABET[b % KEY_ALPHABET.length];
  return `gq_${body}`;
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
