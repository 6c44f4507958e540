// The consumer's side of pacing against the real TokenBucket: a booked token is slept for, a
// caller that wakes late books again, a rate wait beyond the budget is handed back at once, an
// in-flight wait is held by the bucket.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { acquireSlot, bucketName, type GateRequest } from "../../consumers/src/pacing";

const T0 = Math.ceil(Date.now() / 1000) * 1000 + 86_400_000;

function request(instanceId: string, over: Partial<GateRequest> = {}) {
  const slept: number[] = [];
  const req: GateRequest = {
    namespace: env.TOKEN_BUCKET,
    instanceId,
    provider: "demo",
    input: { prompt: "p", num_images: 1 } as GateRequest["input"],
    limits: { ratePerSecond: 5, burst: 1, maxInFlight: 10, leaseTtlMs: 60_000 },
    maxInlineWaitMs: 3000,
    now: () => Date.now(),
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...over,
  };
  return { req, slept };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("acquireSlot", () => {
  it("sleeps until a booked token falls due, one 1/rate after the other", async () => {
    const waits: number[][] = [];
    const three = { ratePerSecond: 5, burst: 3, maxInFlight: 10, leaseTtlMs: 60_000 };
    for (let i = 0; i < 5; i++) {
      const { req, slept } = request("slot-booked", { limits: three });
      const gate = await acquireSlot(req);
      if (gate.kind !== "granted") throw new Error("slot refused");
      expect(slept).toEqual([]);
      await gate.untilDue();
      waits.push(slept);
    }
    expect(waits).toEqual([[], [], [], [200], [400]]);
  });

  it("books a caller that wakes more than one token interval late again, behind the others", async () => {
    const three = { ratePerSecond: 5, burst: 3, maxInFlight: 10, leaseTtlMs: 60_000 };
    const booked = async (lateMs: number) => {
      let late = lateMs;
      const { req, slept } = request("slot-late", {
        limits: three,
        // The first sleep overruns by `lateMs` (a busy machine); the rest are punctual.
        sleep: async (ms) => {
          slept.push(ms);
          vi.setSystemTime(Date.now() + ms + late);
          late = 0;
        },
      });
      const gate = await acquireSlot(req);
      if (gate.kind !== "granted") throw new Error("slot refused");
      return { gate, slept };
    };
    for (let i = 0; i < 3; i++) await (await booked(0)).gate.untilDue();
    const late = await booked(250);
    const onTime = await booked(0);
    await late.gate.untilDue();
    // Due at +200, awake at +450: its token is spent and the next one, after +400's, is due at +600.
    expect(late.slept).toEqual([200, 150]);
    expect(Date.now()).toBe(T0 + 600);
    vi.setSystemTime(T0);
    await onTime.gate.untilDue();
    expect(onTime.slept).toEqual([400]);
  });

  it("calls without booking again when it wakes within one token interval of its due time", async () => {
    const one = { ratePerSecond: 5, burst: 1, maxInFlight: 10, leaseTtlMs: 60_000 };
    await acquireSlot(request("slot-slightly-late", { limits: one }).req);
    const { req, slept } = request("slot-slightly-late", {
      limits: one,
      sleep: async (ms) => {
        slept.push(ms);
        vi.setSystemTime(Date.now() + ms + 200);
      },
    });
    const gate = await acquireSlot(req);
    if (gate.kind !== "granted") throw new Error("slot refused");
    await gate.untilDue();
    expect(slept).toEqual([200]);
    expect(Date.now()).toBe(T0 + 400);
  });

  it("allows a big bucket a quarter of its burst's refill time before booking again", async () => {
    // 40/s, burst 8: a caller may be 2 tokens (50 ms) late, not one (25 ms).
    const eight = { ratePerSecond: 40, burst: 8, maxInFlight: 20, leaseTtlMs: 60_000 };
    for (let i = 0; i < 8; i++) await acquireSlot(request("slot-big", { limits: eight }).req);
    const { req, slept } = request("slot-big", {
      limits: eight,
      sleep: async (ms) => {
        slept.push(ms);
        vi.setSystemTime(Date.now() + ms + 40);
      },
    });
    const gate = await acquireSlot(req);
    if (gate.kind !== "granted") throw new Error("slot refused");
    await gate.untilDue();
    expect(slept).toEqual([25]);
  });

  it("calls anyway after booking again three times (a machine that keeps stalling)", async () => {
    await acquireSlot(request("slot-stalled").req);
    let clock = T0;
    // Every look at the clock is a second later: the caller is always late.
    const { req } = request("slot-stalled", { now: () => (clock += 1000) });
    const gate = await acquireSlot(req);
    if (gate.kind !== "granted") throw new Error("slot refused");
    await gate.untilDue();
    const stub = env.TOKEN_BUCKET.getByName(bucketName("slot-stalled", "demo"));
    // The first token, this caller's booking and its three re-bookings: 5 taken from a bucket of 1.
    expect((await stub.snapshot()).tokens).toBe(-4);
  });

  it("hands a rate wait beyond its budget back at once, without sleeping", async () => {
    await acquireSlot(request("slot-budget").req);
    const { req, slept } = request("slot-budget", { maxInlineWaitMs: 30 });
    expect(await acquireSlot(req)).toEqual({ kind: "denied", retryAfterMs: 170, reason: "rate" });
    expect(slept).toEqual([]);
  });

  it("is handed an in-flight slot the moment it is released", async () => {
    const one = { ratePerSecond: 100, burst: 10, maxInFlight: 1, leaseTtlMs: 60_000 };
    const first = await acquireSlot(request("slot-inflight", { limits: one }).req);
    if (first.kind !== "granted") throw new Error("first slot refused");
    const { req, slept } = request("slot-inflight", { limits: one });
    const second = acquireSlot(req);
    await new Promise((r) => setTimeout(r, 50)); // the second caller now waits in the bucket
    await first.release("success");
    // Not at its deadline (3 s), when the bucket would grant it in a last look anyway.
    const stillWaiting = new Promise((r) => setTimeout(() => r("still waiting"), 1000));
    expect(await Promise.race([second, stillWaiting])).toMatchObject({ kind: "granted" });
    expect(slept).toEqual([]);
  });

  it("gives an in-flight wait up when its budget runs out", async () => {
    const one = { ratePerSecond: 100, burst: 10, maxInFlight: 1, leaseTtlMs: 60_000 };
    await acquireSlot(request("slot-inflight-out", { limits: one }).req);
    const { req } = request("slot-inflight-out", { limits: one, maxInlineWaitMs: 50 });
    expect(await acquireSlot(req)).toMatchObject({ kind: "denied", reason: "in_flight" });
  });
});
