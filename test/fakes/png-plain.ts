// A valid PNG built with Web APIs only (no node:zlib, no Buffer), for fakes that also run inside
// workerd: 1-bit greyscale, its pixel rows in stored (uncompressed) deflate blocks, so even
// 1024x1024 is ~130 KB and needs no compressor.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

function chunk(type: string, data: Uint8Array): number[] {
  const typed = new Uint8Array([...new TextEncoder().encode(type), ...data]);
  return [...u32(data.length), ...typed, ...u32(crc32(typed))];
}

/** zlib stream of stored blocks (each at most 65535 bytes). */
function storedZlib(raw: Uint8Array): Uint8Array {
  const out: number[] = [0x78, 0x01];
  for (let at = 0; at < raw.length || at === 0; at += 65535) {
    const block = raw.subarray(at, at + 65535);
    const final = at + 65535 >= raw.length ? 1 : 0;
    out.push(final, block.length & 255, block.length >>> 8, ~block.length & 255, (~block.length >>> 8) & 255);
    for (const byte of block) out.push(byte);
    if (raw.length === 0) break;
  }
  out.push(...u32(adler32(raw)));
  return new Uint8Array(out);
}

/** A width x height black PNG (1-bit greyscale). */
export function plainPng(width: number, height: number): Uint8Array {
  const rowBytes = 1 + Math.ceil(width / 8); // leading 0: filter "None"
  const raw = new Uint8Array(rowBytes * height);
  const ihdr = new Uint8Array([...u32(width), ...u32(height), 1, 0, 0, 0, 0]);
  return new Uint8Array([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...chunk("IHDR", ihdr),
    ...chunk("IDAT", storedZlib(raw)),
    ...chunk("IEND", new Uint8Array()),
  ]);
}

/** Standard base64 of bytes, with btoa (chunked: btoa takes a string). */
export function base64Of(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
