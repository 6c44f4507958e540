// The metrics endpoint's answer, built from what the sources gave: each provider's buckets (from
// its pacing object), dead letters per bucket and the queue backlog (from D1), the instance's
// limits. Pure: every input is passed in, so the shape and the arithmetic are tested alone.
import { addStats, type CallStats, emptyStats } from "./calls";
import { percentile } from "./histogram";
import type { BucketRange, MetricWindow } from "./window";

export interface ProviderBuckets {
  provider: string;
  /** One CallStats per bucket of the range. */
  buckets: CallStats[];
  /** The provider's rate limit for the instance, calls per minute; null when unknown. */
  limitPerMinute: number | null;
}

export interface MetricsInput {
  instanceId: string;
  window: MetricWindow;
  range: BucketRange;
  providers: ProviderBuckets[];
  /** Dead letters recorded in each bucket. */
  deadLetters: number[];
  queueBacklog: number;
}

interface Figures {
  jobs: number;
  succeeded: number;
  failed: number;
  p50_ms: number | null;
  p95_ms: number | null;
  provider_errors: number;
  rate_limited: number;
  spend_usd: number;
}

export interface MetricsReport {
  instance_id: string;
  window: MetricWindow;
  from: string;
  to: string;
  bucket_seconds: number;
  totals: Figures & { success_rate: number | null; dead_letters: number; queue_backlog: number };
  series: (Figures & { t: string })[];
  providers: {
    provider: string;
    requests: number;
    errors: number;
    rate_limited: number;
    utilisation: number | null;
    limit_per_minute: number | null;
  }[];
}

/** USD to whole micro-dollars' precision, so sums of float costs print cleanly. */
const usd = (n: number) => Math.round(n * 1e6) / 1e6;
const ratio = (n: number) => Math.round(n * 1e4) / 1e4;

/** The figures of summed stats; dead-lettered jobs count as jobs that failed. */
function figures(s: CallStats, deadLetters: number): Figures {
  const failed = s.failed + deadLetters;
  return {
    jobs: s.succeeded + failed,
    succeeded: s.succeeded,
    failed,
    p50_ms: percentile(s.terminalMs, 0.5),
    p95_ms: percentile(s.terminalMs, 0.95),
    provider_errors: s.providerErrors,
    rate_limited: s.rateLimited,
    spend_usd: usd(s.spendUsd),
  };
}

export function buildMetricsReport(input: MetricsInput): MetricsReport {
  const { range } = input;
  const perBucket = Array.from({ length: range.count }, emptyStats);
  const total = emptyStats();
  const providers = input.providers.map((p) => {
    const sum = emptyStats();
    p.buckets.forEach((b, i) => {
      if (i < range.count) addStats(perBucket[i]!, b);
      addStats(sum, b);
    });
    addStats(total, sum);
    const minutes = (range.count * range.bucketMs) / 60_000;
    const capacity = p.limitPerMinute !== null && p.limitPerMinute > 0 ? p.limitPerMinute * minutes : null;
    return {
      provider: p.provider,
      requests: sum.requests,
      errors: sum.providerErrors,
      rate_limited: sum.rateLimited,
      utilisation: capacity === null ? null : ratio(Math.min(1, sum.requests / capacity)),
      limit_per_minute: p.limitPerMinute,
    };
  });
  const deadLetters = input.deadLetters.reduce((a, b) => a + b, 0);
  const totals = figures(total, deadLetters);
  return {
    instance_id: input.instanceId,
    window: input.window,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    bucket_seconds: range.bucketMs / 1000,
    totals: {
      ...totals,
      success_rate: totals.jobs > 0 ? ratio(totals.succeeded / totals.jobs) : null,
      dead_letters: deadLetters,
      queue_backlog: input.queueBacklog,
    },
    series: perBucket.map((s, i) => ({
      t: new Date(range.from + i * range.bucketMs).toISOString(),
      ...figures(s, input.deadLetters[i] ?? 0),
    })),
    providers,
  };
}
