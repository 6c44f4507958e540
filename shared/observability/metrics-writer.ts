// Where data points go: the Analytics Engine dataset binding, or nowhere. `wrangler dev` and the
// Workers Vitest pool bind a local dataset whose writes are dropped (miniflare); a Worker deployed
// without the binding gets NO_METRICS. Tests pass a writer that keeps what it is given.

/** The one method of an AnalyticsEngineDataset that is used: structurally the binding itself. */
export interface MetricsWriter {
  writeDataPoint(point: DataPoint): void;
}

export interface DataPoint {
  blobs: string[];
  doubles: number[];
  /** One index: the sampling key (Analytics Engine allows one). */
  indexes: [string];
}

export const NO_METRICS: MetricsWriter = { writeDataPoint() {} };

/** The binding when the Worker has one; the no-op writer otherwise. */
export function metricsWriter(binding: MetricsWriter | undefined): MetricsWriter {
  return binding ?? NO_METRICS;
}

/** A writer that keeps its points, for tests. */
export function recordingWriter(): MetricsWriter & { points: DataPoint[] } {
  const points: DataPoint[] = [];
  return { points, writeDataPoint: (point) => void points.push(point) };
}
