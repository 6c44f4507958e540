// The pure parts of live updates, without a runtime: the SSE stream a job's events make (with a
// fake JobWatch source and clock), and reading `Prefer: wait=N` (RFC 7240).
import { describe, expect, it } from "vitest";
import type { JobEvent } from "../../shared/db/queries/jobs";
import type { WatchBatch } from "../../shared/jobs/watch";
import { jobEventStream, type JobStreamStart } from "../../shared/jobs/watch-stream";
import { MAX_WAIT_SECONDS, preferredWait } from "../../shared/jobs/watch-wait";

const at = Date.UTC(2026, 11, 3, 12, 0, 0);
const ev = (version: number, type: JobEvent["type"], status: JobEvent["status"]): JobEvent => ({
  version,
  type,
  status,
  data: null,
  createdAt: at + version,
});
const queued = ev(1, "queued", "queued");
const running = ev(2, "running", "running");
const succeeded = ev(3, "succeeded", "succeeded");

function start(events: JobEvent[], after = 0): JobStreamStart {
  const last = events.at(-1)!;
  return { jobId: "job_s", status: last.status, version: last.version, events, after };
}

/** A source that answers each `next` with the given batches in turn, advancing a fake clock by `tookMs`. */
function scripted(batches: { events: JobEvent[]; tookMs: number }[]) {
  let clock = at;
  const asked: [number, number][] = [];
  const source = {
    async next(after: number, timeoutMs: number): Promise<WatchBatch> {
      asked.push([after, timeoutMs]);
      const b = batches.shift() ?? { events: [], tookMs: timeoutMs };
      clock += Math.min(b.tookMs, timeoutMs);
      const last = b.events.at(-1);
      return { events: b.events, status: last?.status ?? null, version: last?.version ?? 0 };
    },
  };
  return { source, asked, now: () => clock };
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("jobEventStream", () => {
  it("sends each event with its version as id and job.{type} as name, then closes after the terminal one", async () => {
    const { source, now } = scripted([{ events: [running, succeeded], tookMs: 10 }]);
    const out = await text(jobEventStream(start([queued]), source, { now }));
    expect(out.startsWith("retry: 1000\n\n")).toBe(true);
    const ids = [...out.matchAll(/^id: (\d+)\nevent: (\S+)\n/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(ids).toEqual(["1 job.queued", "2 job.running", "3 job.succeeded"]);
    const data = out
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => JSON.parse(l.slice(6)));
    expect(data[2]).toEqual({
      job_id: "job_s",
      version: 3,
      type: "succeeded",
      status: "succeeded",
      data: null,
      created_at: new Date(at + 3).toISOString(),
    });
  });

  it("writes a heartbeat comment when the object has nothing new, and asks again after the last version", async () => {
    const { source, asked, now } = scripted([
      { events: [], tookMs: 15_000 },
      { events: [running], tookMs: 5 },
      { events: [succeeded], tookMs: 5 },
    ]);
    const out = await text(jobEventStream(start([queued]), source, { now }));
    expect(out).toMatch(/^: heartbeat .+\n\n/m);
    expect(asked.map(([after]) => after)).toEqual([1, 1, 2]);
    expect(asked[0]![1]).toBe(15_000);
  });

  it("skips what the client already has and closes at once for an ended job", async () => {
    const { source, asked, now } = scripted([]);
    const out = await text(jobEventStream(start([queued, running, succeeded], 2), source, { now }));
    expect([...out.matchAll(/^id: (\d+)$/gm)].map((m) => m[1])).toEqual(["3"]);
    expect(asked).toEqual([]);
  });

  it("closes after its maximum duration (the client reconnects with Last-Event-ID)", async () => {
    const { source, asked, now } = scripted([]);
    const out = await text(
      jobEventStream(start([queued]), source, { now, maxMs: 40_000, heartbeatMs: 15_000 }),
    );
    expect(out.match(/: heartbeat/g)).toHaveLength(3);
    expect(asked.map(([, ms]) => ms)).toEqual([15_000, 15_000, 10_000]);
  });

  it("ignores events the object repeats from before the cursor", async () => {
    const { source, now } = scripted([{ events: [queued, running, succeeded], tookMs: 1 }]);
    const out = await text(jobEventStream(start([queued, running]), source, { now }));
    expect([...out.matchAll(/^id: (\d+)$/gm)].map((m) => m[1])).toEqual(["1", "2", "3"]);
  });
});

describe("preferredWait", () => {
  it.each([
    ["wait=10", 10],
    ["WAIT = 5", 5],
    ['wait="7"', 7],
    ["respond-async, wait=30", 30],
    ["wait=600", MAX_WAIT_SECONDS],
    ["wait=10; foo=bar", 10],
  ])("reads %j as %d seconds", (header, seconds) => {
    expect(preferredWait(header)).toBe(seconds);
  });

  it.each([undefined, "", "return=minimal", "wait=", "wait=abc", "wait=-3", "wait=0", "waiting=5"])(
    "asks no wait for %j",
    (header) => {
      expect(preferredWait(header)).toBeNull();
    },
  );
});
