// Prefixed ids from one helper: the prefix says what an id names in logs and support tickets;
// the random part (crypto, unbiased) makes them unguessable.
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
/** The largest multiple of 36 below 256: bytes above it are redrawn, so no character is favoured. */
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

export type IdPrefix =
  | "job"
  | "key"
  | "req"
  | "org"
  | "ins"
  | "prj"
  | "dl"
  | "pk"
  | "msg"
  | "usr"
  | "aud"
  | "wf"
  | "wfs";

/** `length` random characters of [0-9a-z]. */
export function randomToken(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length))) {
      if (b < UNBIASED_LIMIT && out.length < length) out += ALPHABET[b % ALPHABET.length];
    }
  }
  return out;
}

export function newId(prefix: IdPrefix, length = 20): string {
  return `${prefix}_${randomToken(length)}`;
}
