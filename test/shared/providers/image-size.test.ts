import { describe, expect, it } from "vitest";
import { imageSize } from "../../../shared/providers/image-size";
import { makePng } from "../../fakes/png";

const bytes = (...parts: (number[] | string)[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));
const u16be = (n: number) => [n >> 8, n & 0xff];
const u16le = (n: number) => [n & 0xff, n >> 8];
const u24le = (n: number) => [n & 0xff, (n >> 8) & 0xff, n >> 16];

/** SOI, an APP0 segment, a DHT (C4, must be skipped), then a SOFn frame. */
function jpeg(sof: number, width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, ...u16be(16), ...bytes("JFIF\0"), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const dht = [0xff, 0xc4, ...u16be(5), 0, 0, 0];
  const frame = [
    0xff,
    sof,
    ...u16be(17),
    8,
    ...u16be(height),
    ...u16be(width),
    3,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ];
  return new Uint8Array([0xff, 0xd8, ...app0, 0xff, 0xff, ...dht, ...frame, 0xff, 0xd9]);
}

function riff(chunk: string, payload: number[]): Uint8Array {
  const size = 4 + 8 + payload.length;
  return bytes(
    "RIFF",
    [size & 0xff, (size >> 8) & 0xff, 0, 0],
    "WEBP",
    chunk,
    [payload.length, 0, 0, 0],
    payload,
  );
}

describe("imageSize", () => {
  it("reads a PNG's IHDR", () => {
    expect(imageSize(makePng(1536, 1024))).toEqual({
      format: "png",
      contentType: "image/png",
      width: 1536,
      height: 1024,
    });
    expect(imageSize(makePng(3, 7))).toMatchObject({ width: 3, height: 7 });
  });

  it("reads baseline and progressive JPEG frames, skipping other segments and fill bytes", () => {
    expect(imageSize(jpeg(0xc0, 1024, 768))).toEqual({
      format: "jpeg",
      contentType: "image/jpeg",
      width: 1024,
      height: 768,
    });
    expect(imageSize(jpeg(0xc2, 640, 1792))).toMatchObject({ format: "jpeg", width: 640, height: 1792 });
  });

  it("reads the three WebP flavours", () => {
    // VP8X: canvas width-1 and height-1 as 24-bit little-endian at 24 and 27.
    expect(imageSize(riff("VP8X", [0, 0, 0, 0, ...u24le(1343), ...u24le(767)]))).toMatchObject({
      format: "webp",
      width: 1344,
      height: 768,
    });
    // VP8L: signature 0x2f, then 14 bits of width-1 and 14 bits of height-1.
    const bits = (1023 & 0x3fff) | ((511 & 0x3fff) << 14);
    expect(
      imageSize(
        riff("VP8L", [
          0x2f,
          bits & 0xff,
          (bits >> 8) & 0xff,
          (bits >> 16) & 0xff,
          (bits >>> 24) & 0xff,
          0,
          0,
          0,
          0,
          0,
        ]),
      ),
    ).toMatchObject({
      width: 1024,
      height: 512,
    });
    // VP8 (lossy): frame tag, start code 9d 01 2a, then 14-bit width and height.
    expect(
      imageSize(riff("VP8 ", [0, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(800), ...u16le(600), 0, 0])),
    ).toMatchObject({
      width: 800,
      height: 600,
    });
  });

  it("returns null for anything else or a truncated header", () => {
    expect(imageSize(new Uint8Array())).toBeNull();
    expect(imageSize(bytes("<html>not an image</html>"))).toBeNull();
    expect(imageSize(makePng(10, 10).subarray(0, 20))).toBeNull();
    expect(imageSize(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]))).toBeNull();
    expect(imageSize(bytes("GIF89a", [1, 0, 1, 0]))).toBeNull();
  });
});
