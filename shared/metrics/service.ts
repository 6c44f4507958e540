// GET /v1/admin/metrics, minus HTTP: asks each provider's pacing object of the instance for its
// buckets (one Durable Object request per provider per page view, none per job), and D1 for dead
// letters and the backlog (bounded index ranges), then builds the report (report.ts).
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import { ApiError } from "../errors";
import { reachableInstance } from "../tenancy/reach";
import { deadLettersPerBucket, queuedAmongNewest } from "../db/queries/metrics";
import { listProviderLimitRows } from "../db/queries/provider-limits";
import { providerNames } from "../providers/names";
import { getProvider } from "../providers/registry";
import type { CallStats } from "./calls";
import { buildMetricsReport, type MetricsReport } from "./report";
import { type MetricWindow, windowRange, type BucketRange } from "./window";

/** What the TokenBucket object answers (consumers/src/token-bucket.ts `metrics`). */
export interface MetricsObject {
  metrics(range: BucketRange): Promise<CallStats[]>;
}

export interface MetricsDeps {
  db: Db;
  /** The pacing object of the instance and provider. */
  pacingObject(instanceId: string, provider: string): MetricsObject;
  now: number;
}

/** The instance's report; an instance the caller does not reach is instance_not_found (404). */
export async function instanceMetrics(
  deps: MetricsDeps,
  caller: Caller,
  instanceId: string,
  window: MetricWindow,
): Promise<MetricsReport> {
  if (!(await reachableInstance(deps.db, caller, instanceId)))
    throw new ApiError("instance_not_found", `No instance ${instanceId}`);
  const range = windowRange(window, deps.now);
  const [buckets, deadLetters, queueBacklog, limits] = await Promise.all([
    Promise.all(providerNames.map((p) => deps.pacingObject(instanceId, p).metrics(range))),
    deadLettersPerBucket(deps.db, instanceId, range),
    queuedAmongNewest(deps.db, instanceId),
    listProviderLimitRows(deps.db, instanceId),
  ]);
  const providers = providerNames.map((provider, i) => {
    const rate =
      limits.find((l) => l.provider === provider)?.ratePerSecond ??
      getProvider(provider).defaultLimits.ratePerSecond;
    return { provider, buckets: buckets[i]!, limitPerMinute: Math.round(rate * 60 * 1000) / 1000 };
  });
  return buildMetricsReport({ instanceId, window, range, providers, deadLetters, queueBacklog });
}
