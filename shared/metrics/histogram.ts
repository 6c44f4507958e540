// A fixed latency histogram: the same bins everywhere (a minute of one pacing object, a bucket of
// the dashboard, the sum over providers), so histograms add bin by bin and percentiles come from
// the sum. Bins grow by 2^(1/4): a percentile read from them is within ±9% of the true value.
// Pure; no clock.

/** Bin 0 holds times under this; bin k (1 ≤ k < BIN_COUNT - 1) holds [edge(k-1), edge(k)). */
export const FIRST_EDGE_MS = 100;
/** Bins per doubling of the time. */
export const BINS_PER_DOUBLING = 4;
/** 86 growing bins reach 100 ms · 2^21.5 ≈ 82 hours; the last bin holds everything longer. */
export const BIN_COUNT = 88;

/** The lower edge of bin k (k ≥ 1). */
function lowerEdge(k: number): number {
  return FIRST_EDGE_MS * 2 ** ((k - 1) / BINS_PER_DOUBLING);
}

/** The bin a time falls in. Negative or not-a-number times count as under the first edge. */
export function binOf(ms: number): number {
  if (!(ms >= FIRST_EDGE_MS)) return 0;
  const k = Math.floor(Math.log2(ms / FIRST_EDGE_MS) * BINS_PER_DOUBLING) + 1;
  return Math.min(k, BIN_COUNT - 1);
}

/** The value a bin stands for: its geometric middle (half the first edge for bin 0, the lower edge for the last). */
export function binValue(k: number): number {
  if (k <= 0) return FIRST_EDGE_MS / 2;
  if (k >= BIN_COUNT - 1) return lowerEdge(BIN_COUNT - 1);
  return FIRST_EDGE_MS * 2 ** ((k - 0.5) / BINS_PER_DOUBLING);
}

export function emptyHistogram(): number[] {
  return new Array<number>(BIN_COUNT).fill(0);
}

/** Adds `from` into `into`, bin by bin (a shorter or longer array is read as zero-padded / cut). */
export function addHistogram(into: number[], from: ArrayLike<number>): void {
  for (let k = 0; k < BIN_COUNT; k++) into[k] = (into[k] ?? 0) + (from[k] ?? 0);
}

/**
 * The q-quantile (0 < q ≤ 1) in whole ms, or null for an empty histogram: the value of the bin
 * holding the ceil(q · n)-th smallest time.
 */
export function percentile(counts: readonly number[], q: number): number | null {
  let total = 0;
  for (const n of counts) total += n;
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let k = 0; k < counts.length; k++) {
    seen += counts[k] ?? 0;
    if (seen >= rank) return Math.round(binValue(k));
  }
  return Math.round(binValue(counts.length - 1));
}
