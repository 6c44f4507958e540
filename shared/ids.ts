// Prefixed, sortable-enough ids from one helper: the prefix says what an id names in logs,
// the random part (crypto) makes them unguessable.
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

export type IdPrefix = "job" | "key" | "req" | "org" | "ins" | "prj" | "evt" | "dl" | "pk" | "msg";

export function newId(prefix: IdPrefix, length = 20): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${out}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(`${prefix}_`) && /^[a-z]+_[0-9a-z]{8,40}$/.test(id);
}
