// Pure, deterministic picture for the demo provider: same prompt + seed + size -> same bytes.
// Only integer ops, + - * / % and sqrt (all exactly specified in IEEE 754) feed the pixels, so the
// bytes do not depend on the JS engine's Math.sin/cos/pow, which the spec leaves approximate.
import { encode } from "fast-png";

export interface RenderInput {
  prompt: string;
  seed: number;
  width: number;
  height: number;
}

type Rgb = [number, number, number];

const utf8 = new TextEncoder();

/** FNV-1a (32-bit) over the UTF-8 bytes of `text`: a stable unsigned seed from any prompt. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of utf8.encode(text)) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

/** mulberry32: tiny, fast and good enough to pick colours and shapes. Returns [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hsl(h: number, s: number, l: number): Rgb {
  const channel = (n: number) => {
    const k = (n + h * 12) % 12;
    return 255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1)));
  };
  return [channel(0), channel(8), channel(4)];
}

export function renderPng({ prompt, seed, width, height }: RenderInput): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`invalid size ${width}x${height}`);
  }
  const rand = mulberry32(hashSeed(`${prompt}\u0000${seed}`));
  // Clamped: writes round and saturate instead of wrapping, so blending needs no checks.
  const px = new Uint8ClampedArray(width * height * 3);

  // Palette: a dark base and a lighter partner at an analogous, triadic or complementary hue.
  const hue = rand();
  const offsets = [0.08, 0.33, 0.5, 0.58];
  const from = hsl(hue, 0.5 + 0.4 * rand(), 0.2 + 0.2 * rand());
  const to = hsl(
    hue + offsets[Math.floor(rand() * offsets.length)]!,
    0.5 + 0.4 * rand(),
    0.55 + 0.2 * rand(),
  );
  drawGradient(px, width, height, from, to, rand);

  const shapes = 3 + Math.floor(rand() * 4);
  const scale = Math.sqrt(width * height);
  for (let n = 0; n < shapes; n++) {
    const colour = hsl(rand(), 0.5 + 0.4 * rand(), 0.45 + 0.4 * rand());
    const alpha = 0.25 + 0.45 * rand();
    const cx = rand() * width;
    const cy = rand() * height;
    if (rand() < 0.7) drawCircle(px, width, height, cx, cy, scale * (0.08 + 0.25 * rand()), colour, alpha);
    else {
      const hw = scale * (0.06 + 0.2 * rand());
      const hh = scale * (0.06 + 0.2 * rand());
      drawRect(px, width, height, cx, cy, hw, hh, colour, alpha);
    }
  }
  return encode({ width, height, data: px, channels: 3, depth: 8 });
}

// Directions as small integer steps: pixel (x, y+1) then repeats a pixel of row y exactly
// (t is computed from integers), which deflate, run on unfiltered rows, turns into long matches.
const directions: ReadonlyArray<readonly [number, number]> = [
  [1, 0],
  [0, 1],
  [1, 1],
  [1, -1],
  [1, 2],
  [2, 1],
  [1, -2],
  [2, -1],
];

/** Linear gradient along one of `directions`, eased with smoothstep. */
function drawGradient(px: Uint8ClampedArray, w: number, h: number, a: Rgb, b: Rgb, rand: () => number) {
  const [sx, sy] = directions[Math.floor(rand() * directions.length)]!;
  const sign = rand() < 0.5 ? -1 : 1;
  const dx = sx * sign;
  const dy = sy * sign;
  // Project the corners so t spans exactly [0, 1] over the image.
  const lo = Math.min(0, dx * (w - 1)) + Math.min(0, dy * (h - 1));
  const span = Math.abs(dx) * (w - 1) + Math.abs(dy) * (h - 1) || 1;
  const [ar, ag, ab] = a;
  const dr = b[0] - ar;
  const dg = b[1] - ag;
  const db = b[2] - ab;
  let i = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = (x * dx + y * dy - lo) / span;
      const s = t * t * (3 - 2 * t);
      px[i++] = ar + dr * s;
      px[i++] = ag + dg * s;
      px[i++] = ab + db * s;
    }
  }
}

/** Blends `c` into one pixel with weight `k` in [0, 1]. */
function blend(px: Uint8ClampedArray, i: number, c: Rgb, k: number) {
  px[i] = px[i]! + (c[0] - px[i]!) * k;
  px[i + 1] = px[i + 1]! + (c[1] - px[i + 1]!) * k;
  px[i + 2] = px[i + 2]! + (c[2] - px[i + 2]!) * k;
}

/** A disc with a flat core and a soft rim (outer ~18% of r); the flat core keeps rows repetitive. */
function drawCircle(
  px: Uint8ClampedArray,
  w: number,
  h: number,
  cx: number,
  cy: number,
  r: number,
  c: Rgb,
  alpha: number,
) {
  const r2 = r * r;
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(h - 1, Math.ceil(cy + r));
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(w - 1, Math.ceil(cx + r));
  for (let y = y0; y <= y1; y++) {
    const ddy = (y - cy) * (y - cy);
    for (let x = x0; x <= x1; x++) {
      const d2 = (x - cx) * (x - cx) + ddy;
      if (d2 >= r2) continue;
      const k = 1 - d2 / r2;
      blend(px, (y * w + x) * 3, c, alpha * Math.min(1, 3 * k));
    }
  }
}

/** A rectangle whose edges fade out over a quarter of its shorter half-side. */
function drawRect(
  px: Uint8ClampedArray,
  w: number,
  h: number,
  cx: number,
  cy: number,
  hw: number,
  hh: number,
  c: Rgb,
  alpha: number,
) {
  const feather = Math.max(1, Math.min(hw, hh) / 4);
  const y0 = Math.max(0, Math.floor(cy - hh));
  const y1 = Math.min(h - 1, Math.ceil(cy + hh));
  const x0 = Math.max(0, Math.floor(cx - hw));
  const x1 = Math.min(w - 1, Math.ceil(cx + hw));
  for (let y = y0; y <= y1; y++) {
    const fy = Math.min(1, Math.max(0, (hh - Math.abs(y - cy)) / feather));
    for (let x = x0; x <= x1; x++) {
      const fx = Math.min(1, Math.max(0, (hw - Math.abs(x - cx)) / feather));
      if (fx > 0 && fy > 0) blend(px, (y * w + x) * 3, c, alpha * fx * fy);
    }
  }
}
