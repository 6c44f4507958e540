// Small valid PNGs for the fakes: 8-bit RGB, one gradient row repeated, so even 1792x1024
// compresses to a few kilobytes. Pure: the same arguments always give the same bytes.
import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A width x height PNG shading from `rgb` towards white, left to right. */
export function makePng(
  width: number,
  height: number,
  rgb: readonly [number, number, number] = [40, 90, 200],
): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, no filter, no interlace
  const row = Buffer.alloc(1 + width * 3); // leading 0 = filter "None"
  for (let x = 0; x < width; x++) {
    const t = width > 1 ? x / (width - 1) : 0;
    for (let c = 0; c < 3; c++) row[1 + x * 3 + c] = Math.round((rgb[c] ?? 0) + (255 - (rgb[c] ?? 0)) * t);
  }
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * row.length);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const png = Buffer.concat([
    signature,
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array()),
  ]);
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}

/** About one megapixel in the given shape ("16x9" or "16:9"), sides multiples of 16. */
export function sizeForRatio(ratio: string): { width: number; height: number } {
  const [a = 1, b = 1] = ratio.split(/[x:]/).map(Number);
  const side = (r: number) => Math.round((1024 * Math.sqrt(r)) / 16) * 16;
  return { width: side(a / b), height: side(b / a) };
}
