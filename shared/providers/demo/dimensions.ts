// Pixel size of a demo image. Small on purpose: the demo provider exists so the system works
// offline, and benchmarks store thousands of these images.
import type { AspectRatio } from "../../jobs/enums";

export interface Dimensions {
  width: number;
  height: number;
}

export const DEFAULT_LONG_SIDE = 512;

/** The long side gets `longSide` px; the short side is scaled and rounded to an even integer. */
export function dimensionsFor(aspectRatio: AspectRatio, longSide = DEFAULT_LONG_SIDE): Dimensions {
  const [w, h] = aspectRatio.split("x").map(Number) as [number, number];
  const long = evenAtLeastTwo(longSide);
  const short = evenAtLeastTwo((long * Math.min(w, h)) / Math.max(w, h));
  return w >= h ? { width: long, height: short } : { width: short, height: long };
}

// Even sizes keep the picture friendly to video/thumbnail tools that subsample chroma by 2.
function evenAtLeastTwo(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}
