// The dashboard's windows: how many buckets of what size, aligned to whole buckets (UTC). The
// last bucket is the current one, still filling. Pure; the clock is the caller's.

export const metricWindows = ["hour", "day", "week"] as const;
export type MetricWindow = (typeof metricWindows)[number];

export const WINDOW_SHAPES: Record<MetricWindow, { bucketSeconds: number; buckets: number }> = {
  hour: { bucketSeconds: 60, buckets: 60 },
  day: { bucketSeconds: 900, buckets: 96 },
  week: { bucketSeconds: 3600, buckets: 168 },
};

export const MINUTE_MS = 60_000;

/** A window's buckets: bucket i covers [from + i · bucketMs, from + (i + 1) · bucketMs). */
export interface BucketRange {
  from: number;
  to: number;
  bucketMs: number;
  count: number;
}

export function windowRange(window: MetricWindow, now: number): BucketRange {
  const { bucketSeconds, buckets } = WINDOW_SHAPES[window];
  const bucketMs = bucketSeconds * 1000;
  const to = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  return { from: to - buckets * bucketMs, to, bucketMs, count: buckets };
}

/** The bucket a time falls in, or -1 outside the range. */
export function bucketIndex(range: BucketRange, at: number): number {
  if (at < range.from || at >= range.to) return -1;
  return Math.floor((at - range.from) / range.bucketMs);
}

/** Whether a range is one a caller may ask a pacing object for (whole minutes, bounded). */
export function isValidRange(range: BucketRange): boolean {
  return (
    Number.isSafeInteger(range.from) &&
    Number.isSafeInteger(range.bucketMs) &&
    range.bucketMs >= MINUTE_MS &&
    range.bucketMs % MINUTE_MS === 0 &&
    range.from % MINUTE_MS === 0 &&
    Number.isInteger(range.count) &&
    range.count > 0 &&
    range.count <= 1000 &&
    range.to === range.from + range.count * range.bucketMs
  );
}
