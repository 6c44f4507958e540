// The observability modules without a runtime: the scope's ids on every log line, the data point
// layout (docs/observability.md documents it: a change here is a change there), a queue
// message's ids, and the no-op writer.
import { afterEach, describe, expect, it, vi } from "vitest";
import { inScope } from "../../shared/observability/context";
import { log } from "../../shared/observability/log";
import { messageFields } from "../../shared/observability/message-scope";
import {
  jobOutcomePoint,
  pacingWaitPoint,
  providerErrorPoint,
  recordJobChange,
  requestPoint,
} from "../../shared/observability/metrics";
import { metricsWriter, NO_METRICS, recordingWriter } from "../../shared/observability/metrics-writer";

function captured(level: "log" | "warn" | "error") {
  const lines: string[] = [];
  vi.spyOn(console, level).mockImplementation((line: unknown) => void lines.push(String(line)));
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe("log", () => {
  it("writes level and msg first, then the scope's ids, then its own fields", () => {
    const lines = captured("warn");
    inScope({ fields: () => ({ request_id: "req_1", instance_id: "ins_1" }) }, () =>
      inScope({ fields: () => ({ job_id: "job_1" }) }, () =>
        log("warn", "slow", { instance_id: "ins_own", ms: 5 }),
      ),
    );
    expect(lines).toEqual([
      '{"level":"warn","msg":"slow","request_id":"req_1","instance_id":"ins_own","job_id":"job_1","ms":5}',
    ]);
  });

  it("keeps the scope across awaits, and has none outside it", async () => {
    const lines = captured("log");
    await inScope({ fields: () => ({ job_id: "job_2" }) }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      log("info", "after a wait");
    });
    log("info", "outside");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { level: "info", msg: "after a wait", job_id: "job_2" },
      { level: "info", msg: "outside" },
    ]);
  });

  it("reads fields when the line is written, so ids known later count", () => {
    const lines = captured("error");
    const known: { instance_id?: string } = {};
    inScope({ fields: () => ({ ...known }) }, () => {
      known.instance_id = "ins_later";
      log("error", "boom");
    });
    expect(JSON.parse(lines[0]!)).toMatchObject({ instance_id: "ins_later" });
  });
});

describe("data points", () => {
  const job = {
    instanceId: "ins_1",
    provider: "openai",
    type: "image.generate",
    attempts: 2,
    createdAt: 1_000,
  };

  it("a terminal job: outcome, provider, type; latency since creation and attempts", () => {
    expect(jobOutcomePoint({ ...job, status: "succeeded" }, 4_500)).toEqual({
      indexes: ["ins_1"],
      blobs: ["job", "openai", "succeeded", "image.generate"],
      doubles: [3_500, 2],
    });
  });

  it("no point for a state change that is not an outcome", () => {
    expect(jobOutcomePoint({ ...job, status: "running" }, 2_000)).toBeNull();
    expect(jobOutcomePoint({ ...job, status: "queued" }, 2_000)).toBeNull();
  });

  it("a provider error, a pacing wait or deferral, a request", () => {
    expect(providerErrorPoint("ins_1", "demo", { code: "provider_timeout", retryable: true }, 3)).toEqual({
      indexes: ["ins_1"],
      blobs: ["provider_error", "demo", "provider_timeout", "retryable"],
      doubles: [0, 3],
    });
    expect(pacingWaitPoint("ins_1", "demo", { granted: true, waitMs: 0 })).toBeNull();
    expect(pacingWaitPoint("ins_1", "demo", { granted: true, waitMs: 750 })).toEqual({
      indexes: ["ins_1"],
      blobs: ["pacing_wait", "demo", "inline", "-"],
      doubles: [750, 1],
    });
    expect(
      pacingWaitPoint("ins_1", "demo", { granted: false, retryAfterMs: 9_000, reason: "rate_limited" }),
    ).toEqual({
      indexes: ["ins_1"],
      blobs: ["pacing_wait", "demo", "deferred", "rate_limited"],
      doubles: [9_000, 1],
    });
    expect(
      requestPoint({ instanceId: null, method: "POST", route: "/v1/jobs", status: 202, durationMs: 12 }),
    ).toEqual({
      indexes: ["-"],
      blobs: ["request", "POST", "/v1/jobs", "202"],
      doubles: [12, 202],
    });
  });

  it("go to the scope's writer, nowhere outside a scope, and never throw", () => {
    const writer = recordingWriter();
    inScope({ metrics: writer }, () => recordJobChange({ ...job, status: "failed" }, 2_000));
    recordJobChange({ ...job, status: "failed" }, 2_000);
    expect(writer.points).toHaveLength(1);
    const broken = {
      writeDataPoint: () => {
        throw new Error("dataset gone");
      },
    };
    expect(() =>
      inScope({ metrics: broken }, () => recordJobChange({ ...job, status: "failed" }, 2_000)),
    ).not.toThrow();
  });

  it("the binding when there is one, the no-op writer otherwise", () => {
    const writer = recordingWriter();
    expect(metricsWriter(writer)).toBe(writer);
    expect(metricsWriter(undefined)).toBe(NO_METRICS);
  });
});

describe("messageFields", () => {
  it("reads a job message's ids, and a webhook message's from its delivery copy", () => {
    expect(
      messageFields({ kind: "job", job_id: "job_1", instance_id: "ins_1", request_id: "req_1", attempt: 0 }),
    ).toEqual({
      job_id: "job_1",
      instance_id: "ins_1",
      request_id: "req_1",
    });
    expect(
      messageFields({
        kind: "webhook",
        event_id: "msg_1",
        delivery: { job_id: "job_2", instance_id: "ins_2", url: "x" },
      }),
    ).toEqual({
      job_id: "job_2",
      instance_id: "ins_2",
      event_id: "msg_1",
    });
  });

  it("has nothing for a body that is no object or carries no ids", () => {
    expect(messageFields("garbage")).toEqual({});
    expect(messageFields(null)).toEqual({});
    expect(messageFields({ job_id: 42 })).toEqual({});
  });
});
