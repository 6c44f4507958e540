import { describe, expect, it } from "vitest";
import { interleave } from "../../bench/lib/pacing";
import { gaps, maxInWindow, percentile, round, steadyRate, summarize } from "../../bench/lib/stats";
import { parseQueueLine } from "../../bench/lib/throughput";
import { terminalEventsPerJob } from "../../bench/lib/webhook-receiver";

describe("percentile", () => {
  it("interpolates between closest ranks", () => {
    const v = [1, 2, 3, 4];
    expect(percentile(v, 0)).toBe(1);
    expect(percentile(v, 50)).toBe(2.5);
    expect(percentile(v, 100)).toBe(4);
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 99)).toBeCloseTo(99.1, 10);
  });

  it("returns the only value for one sample and NaN for none", () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it("rejects percentiles outside 0..100", () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });
});

describe("summarize", () => {
  it("sorts before taking percentiles", () => {
    const s = summarize([5, 1, 4, 2, 3]);
    expect(s).toMatchObject({ count: 5, min: 1, p50: 3, max: 5, mean: 3 });
  });

  it("gives NaN figures for no samples", () => {
    expect(summarize([]).p99).toBeNaN();
    expect(summarize([]).count).toBe(0);
  });
});

describe("steadyRate", () => {
  it("counts calls between first + trim and last - trim", () => {
    // 5 calls/s for 10 s: 0, 200, ..., 10000
    const ts = Array.from({ length: 51 }, (_, i) => 1_000_000 + i * 200);
    const r = steadyRate(ts, 1000)!;
    expect(r.windowMs).toBe(8000);
    expect(r.calls).toBe(40);
    expect(r.ratePerSecond).toBe(5);
  });

  it("is null with too few calls or no window left", () => {
    expect(steadyRate([1])).toBeNull();
    expect(steadyRate([0, 1500], 1000)).toBeNull();
  });

  it("does not depend on the order of the timestamps", () => {
    const ts = Array.from({ length: 31 }, (_, i) => i * 100);
    expect(steadyRate([...ts].reverse(), 500)).toEqual(steadyRate(ts, 500));
  });
});

describe("maxInWindow", () => {
  it("finds the densest half-open window", () => {
    expect(maxInWindow([0, 200, 400, 600, 800, 1000], 1000)).toBe(5);
    expect(maxInWindow([0, 10, 20, 2000], 1000)).toBe(3);
    expect(maxInWindow([], 1000)).toBe(0);
  });
});

describe("gaps and round", () => {
  it("gives sorted consecutive differences", () => {
    expect(gaps([300, 100, 0])).toEqual([100, 200]);
  });

  it("rounds to a number of decimals and leaves non-finite values alone", () => {
    expect(round(1.23456, 2)).toBe(1.23);
    expect(round(Number.NaN)).toBeNaN();
  });
});

describe("interleave", () => {
  it("round-robins groups and keeps each group's order", () => {
    const items = ["a1", "a2", "a3", "b1", "c1", "c2"];
    expect(interleave(items, (s) => s[0]!)).toEqual(["a1", "b1", "c1", "a2", "c2", "a3"]);
  });
});

describe("parseQueueLine", () => {
  it("reads miniflare's per-batch line, with or without colours", () => {
    expect(parseQueueLine("[wrangler:info] QUEUE bench-baseline-jobs 10/10 (3ms)")).toEqual({
      queue: "bench-baseline-jobs",
      acked: 10,
      total: 10,
      ms: 3,
    });
    expect(parseQueueLine("\u001b[1mQUEUE\u001b[22m genqueue-jobs \u001b[33m7/10\u001b[39m")).toEqual({
      queue: "genqueue-jobs",
      acked: 7,
      total: 10,
    });
    expect(parseQueueLine("GET /health 200 OK")).toBeNull();
  });
});

describe("terminalEventsPerJob", () => {
  const d = (webhookId: string, type: string, jobId: string, answered = 200) => ({
    webhookId,
    type,
    jobId,
    at: 0,
    answered,
  });

  it("dedups by webhook-id and ignores failed attempts and non-terminal events", () => {
    const per = terminalEventsPerJob([
      d("msg_1", "job.succeeded", "job_a", 503),
      d("msg_1", "job.succeeded", "job_a"),
      d("msg_1", "job.succeeded", "job_a"),
      d("msg_2", "job.started", "job_b"),
      d("msg_3", "job.failed", "job_b"),
      d("msg_4", "job.dead_lettered", "job_b"),
    ]);
    expect([...(per.get("job_a") ?? [])]).toEqual(["msg_1"]);
    expect(per.get("job_b")?.size).toBe(2);
  });
});
