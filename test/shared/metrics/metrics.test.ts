// The metrics' arithmetic, alone: histogram bins and percentiles, the window's buckets, calls
// summed per minute and bucketed, and the report built from them. The clock is always passed in.
import { describe, expect, it } from "vitest";
import {
  bucketize,
  type CallReport,
  type CallStats,
  emptyStats,
  jobEnd,
  type MinuteStats,
  minuteOf,
  recordCall,
} from "../../../shared/metrics/calls";
import { BIN_COUNT, binOf, binValue, emptyHistogram, percentile } from "../../../shared/metrics/histogram";
import { buildMetricsReport } from "../../../shared/metrics/report";
import { bucketIndex, isValidRange, windowRange } from "../../../shared/metrics/window";

const NOW = Date.UTC(2026, 11, 3, 12, 34, 56, 789);
const call = (over: Partial<CallReport> = {}): CallReport => ({
  outcome: "success",
  ended: "succeeded",
  ageMs: 5_000,
  costUsd: 0.04,
  ...over,
});
const minute = (at: number, calls: CallReport[]): MinuteStats => {
  const stats = emptyStats();
  for (const c of calls) recordCall(stats, c);
  return { minute: minuteOf(at), ...stats };
};

describe("latency histogram", () => {
  it("puts every time in a bin whose value is within 9% of it", () => {
    for (let ms = 100; ms < 250_000_000; ms = Math.ceil(ms * 1.37)) {
      const value = binValue(binOf(ms));
      expect(Math.abs(value - ms) / ms).toBeLessThan(0.0906);
    }
  });

  it("keeps short, long and odd times in the end bins", () => {
    expect(binOf(0)).toBe(0);
    expect(binOf(99)).toBe(0);
    expect(binOf(-5)).toBe(0);
    expect(binOf(Number.NaN)).toBe(0);
    expect(binOf(100)).toBe(1);
    expect(binOf(200)).toBe(5);
    expect(binOf(1e12)).toBe(BIN_COUNT - 1);
  });

  it("reads percentiles from the bins and null from an empty histogram", () => {
    expect(percentile(emptyHistogram(), 0.5)).toBeNull();
    const h = emptyHistogram();
    // 90 jobs around 1 s, 10 around 60 s: p50 is about 1 s, p95 about 60 s.
    h[binOf(1_000)] = 90;
    h[binOf(60_000)] = 10;
    expect(percentile(h, 0.5)).toBe(Math.round(binValue(binOf(1_000))));
    expect(Math.abs(percentile(h, 0.5)! - 1_000)).toBeLessThan(91);
    expect(Math.abs(percentile(h, 0.95)! - 60_000)).toBeLessThan(5_440);
    expect(percentile(h, 0.9)).toBe(percentile(h, 0.5));
  });
});

describe("windows", () => {
  it.each([
    ["hour", 60, 60],
    ["day", 900, 96],
    ["week", 3600, 168],
  ] as const)(
    "splits the last %s into %i-second buckets, %i of them, ending with the current one",
    (w, s, n) => {
      const r = windowRange(w, NOW);
      expect(r.bucketMs).toBe(s * 1000);
      expect(r.count).toBe(n);
      expect(r.to - r.from).toBe(n * s * 1000);
      expect(r.from % (s * 1000)).toBe(0);
      expect(bucketIndex(r, NOW)).toBe(n - 1);
      expect(bucketIndex(r, r.from - 1)).toBe(-1);
      expect(bucketIndex(r, r.to)).toBe(-1);
      expect(isValidRange(r)).toBe(true);
    },
  );

  it("refuses ranges a pacing object should not be asked for", () => {
    const r = windowRange("hour", NOW);
    expect(isValidRange({ ...r, from: r.from + 1, to: r.to + 1 })).toBe(false);
    expect(isValidRange({ ...r, count: 100_000, to: r.from + 100_000 * r.bucketMs })).toBe(false);
    expect(isValidRange({ ...r, bucketMs: 1_000, to: r.from + r.count * 1_000 })).toBe(false);
    expect(isValidRange({ ...r, to: r.to + 60_000 })).toBe(false);
  });
});

describe("calls per minute", () => {
  it("counts requests, errors, 429s, endings, spend and times to terminal", () => {
    const s = emptyStats();
    recordCall(s, call({ ageMs: 2_000, costUsd: 0.04 }));
    recordCall(s, call({ outcome: "rate_limited", ended: null, costUsd: 0 }));
    recordCall(s, call({ outcome: "retryable_failure", ended: null, costUsd: 0 }));
    recordCall(s, call({ outcome: "permanent_failure", ended: "failed", ageMs: 30_000, costUsd: 0 }));
    expect(s).toMatchObject({ requests: 4, providerErrors: 2, rateLimited: 1, succeeded: 1, failed: 1 });
    expect(s.spendUsd).toBeCloseTo(0.04);
    expect(s.terminalMs.reduce((a, b) => a + b, 0)).toBe(2);
    expect(s.terminalMs[binOf(2_000)]).toBe(1);
    expect(s.terminalMs[binOf(30_000)]).toBe(1);
  });

  it("tells whether a call ended its job", () => {
    const permanent = { retryable: false, worthFallback: false };
    const outage = { retryable: true, worthFallback: true };
    const noKey = { retryable: false, worthFallback: true };
    expect(jobEnd("success", null, false)).toBe("succeeded");
    expect(jobEnd("permanent_failure", permanent, true)).toBe("failed");
    expect(jobEnd("permanent_failure", noKey, true)).toBeNull();
    expect(jobEnd("permanent_failure", noKey, false)).toBe("failed");
    expect(jobEnd("retryable_failure", outage, false)).toBeNull();
    expect(jobEnd("permanent_failure", null, false)).toBeNull();
  });

  it("sums minutes into their buckets, zero-filled, and leaves out minutes outside the range", () => {
    const r = windowRange("day", NOW);
    const buckets = bucketize(
      [
        minute(r.from, [call()]),
        minute(r.from + 60_000, [call(), call()]),
        minute(NOW, [call({ outcome: "rate_limited", ended: null })]),
        minute(r.from - 60_000, [call()]),
        minute(r.to, [call()]),
      ],
      r,
    );
    expect(buckets).toHaveLength(96);
    expect(buckets[0]).toMatchObject({ requests: 3, succeeded: 3 });
    expect(buckets[95]).toMatchObject({ requests: 1, rateLimited: 1, succeeded: 0 });
    expect(buckets.slice(1, 95).every((b) => b.requests === 0 && b.terminalMs.every((n) => n === 0))).toBe(
      true,
    );
  });
});

describe("the report", () => {
  const r = windowRange("hour", NOW);
  const zero = (): CallStats[] => Array.from({ length: r.count }, emptyStats);

  it("zero-fills every bucket when nothing happened", () => {
    const report = buildMetricsReport({
      instanceId: "ins_x",
      window: "hour",
      range: r,
      providers: [{ provider: "demo", buckets: zero(), limitPerMinute: 600 }],
      deadLetters: new Array(r.count).fill(0),
      queueBacklog: 0,
    });
    expect(report.series).toHaveLength(60);
    expect(report.series[0]).toEqual({
      t: new Date(r.from).toISOString(),
      jobs: 0,
      succeeded: 0,
      failed: 0,
      p50_ms: null,
      p95_ms: null,
      provider_errors: 0,
      rate_limited: 0,
      spend_usd: 0,
    });
    expect(report.series[59]!.t).toBe(new Date(r.to - 60_000).toISOString());
    expect(report.totals).toMatchObject({ jobs: 0, success_rate: null, p50_ms: null, dead_letters: 0 });
    expect(report.providers).toEqual([
      { provider: "demo", requests: 0, errors: 0, rate_limited: 0, utilisation: 0, limit_per_minute: 600 },
    ]);
    expect(report).toMatchObject({ instance_id: "ins_x", window: "hour", bucket_seconds: 60 });
    expect(report.from).toBe(new Date(r.from).toISOString());
    expect(report.to).toBe(new Date(r.to).toISOString());
  });

  it("adds providers up per bucket, counts dead letters as failed and rates the window", () => {
    const demo = zero();
    const ideogram = zero();
    recordCall(demo[10]!, call({ ageMs: 1_000, costUsd: 0.01 }));
    recordCall(demo[10]!, call({ ageMs: 1_000, costUsd: 0.02 }));
    recordCall(
      ideogram[10]!,
      call({ outcome: "permanent_failure", ended: "failed", ageMs: 40_000, costUsd: 0 }),
    );
    recordCall(ideogram[20]!, call({ outcome: "rate_limited", ended: null, costUsd: 0 }));
    const deadLetters = new Array(r.count).fill(0);
    deadLetters[20] = 1;
    const report = buildMetricsReport({
      instanceId: "ins_x",
      window: "hour",
      range: r,
      providers: [
        { provider: "demo", buckets: demo, limitPerMinute: 60 },
        { provider: "ideogram", buckets: ideogram, limitPerMinute: null },
      ],
      deadLetters,
      queueBacklog: 7,
    });
    expect(report.series[10]).toMatchObject({
      jobs: 3,
      succeeded: 2,
      failed: 1,
      provider_errors: 1,
      spend_usd: 0.03,
    });
    expect(report.series[10]!.p50_ms).toBe(Math.round(binValue(binOf(1_000))));
    expect(report.series[10]!.p95_ms).toBe(Math.round(binValue(binOf(40_000))));
    expect(report.series[20]).toMatchObject({ jobs: 1, failed: 1, rate_limited: 1, p50_ms: null });
    expect(report.totals).toMatchObject({
      jobs: 4,
      succeeded: 2,
      failed: 2,
      success_rate: 0.5,
      dead_letters: 1,
      queue_backlog: 7,
      provider_errors: 1,
      rate_limited: 1,
      spend_usd: 0.03,
    });
    expect(report.providers).toEqual([
      {
        provider: "demo",
        requests: 2,
        errors: 0,
        rate_limited: 0,
        utilisation: 0.0006,
        limit_per_minute: 60,
      },
      {
        provider: "ideogram",
        requests: 2,
        errors: 1,
        rate_limited: 1,
        utilisation: null,
        limit_per_minute: null,
      },
    ]);
  });
});
