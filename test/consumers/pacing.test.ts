// The consumer's side of pacing against the real TokenBucket: a booked token is slept for, a
// caller that checks in late (by the bucket's clock) is booked again and one that checks in early
// waits more, a rate wait beyond the budget is handed back at once, an in-flight wait is held by
// the bucket. The bucket's clock is this test's faked Date; the caller's is `now`.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { acquireSlot, type GateRequest } from "../../consumers/src/pacing";
import type { CheckInResponse } from "../../consumers/src/pacing-types";

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

/**
 * A granted gate whose n-th sleep moves the bucket's clock (this test's Date) by what it asked
 * for plus `overrunMs(n)`: a busy machine wakes late, a clock that runs ahead wakes early.
 */
async function grantedGate(
  instanceId: string,
  limits: GateRequest["limits"],
  overrunMs: (nth: number) => number,
  over: Partial<GateRequest> = {},
) {
  const { req, slept } = request(instanceId, {
    limits,
    sleep: async (ms) => {
      slept.push(ms);
      vi.setSystemTime(Date.now() + ms + overrunMs(slept.length));
    },
    ...over,
  });
  const gate = await acquireSlot(req);
  if (gate.kind !== "granted") throw new Error("slot refused");
  return { gate, slept };
}

/** A bucket that grants a booking due in `waitMs` and answers every check-in with `answer`. */
function scriptedBucket(answer: () => CheckInResponse, waitMs = 200) {
  const checkIns: number[] = [];
  const stub = {
    acquire: async (r: { leaseId: string }) => ({
      granted: true,
      leaseId: r.leaseId,
      leaseExpiresAt: T0 + 60_000,
      probe: false,
      waitMs,
      dueAt: T0 + waitMs,
    }),
    checkIn: async (dueAt: number) => {
      checkIns.push(dueAt);
      return answer();
    },
    release: async () => ({ released: true }),
  };
  const namespace = { getByName: () => stub } as unknown as GateRequest["namespace"];
  return { ...request("scripted", { namespace }), checkIns };
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
    const three = { ratePerSecond: 5, burst: 3, maxInFlight: 10, leaseTtlMs: 60_000 };
    const gates = [];
    for (let i = 0; i < 5; i++) {
      const { gate, slept } = await grantedGate("slot-booked", three, () => 0);
      expect(slept).toEqual([]);
      gates.push(gate);
    }
    const calledAt: number[] = [];
    for (const gate of gates) {
      await gate.untilDue();
      calledAt.push(Date.now() - T0);
    }
    expect(calledAt).toEqual([0, 0, 0, 200, 400]);
  });

  it("books a caller that wakes more than one token interval late again, behind the others", async () => {
    const three = { ratePerSecond: 5, burst: 3, maxInFlight: 10, leaseTtlMs: 60_000 };
    // The first sleep overruns by `lateMs` (a busy machine); the rest are punctual.
    const booked = (lateMs: number) => grantedGate("slot-late", three, (n) => (n === 1 ? lateMs : 0));
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
    const { gate, slept } = await grantedGate("slot-slightly-late", one, () => 200);
    await gate.untilDue();
    expect(slept).toEqual([200]);
    expect(Date.now()).toBe(T0 + 400);
  });

  it("allows a big bucket a quarter of its burst's refill time before booking again", async () => {
    // 40/s, burst 8: a caller may be 2 tokens (50 ms) late, not one (25 ms).
    const eight = { ratePerSecond: 40, burst: 8, maxInFlight: 20, leaseTtlMs: 60_000 };
    for (let i = 0; i < 8; i++) await acquireSlot(request("slot-big", { limits: eight }).req);
    const { gate, slept } = await grantedGate("slot-big", eight, () => 40);
    await gate.untilDue();
    expect(slept).toEqual([25]);
  });

  it("is judged by the bucket's clock: a caller whose own clock says on time is booked again", async () => {
    const three = { ratePerSecond: 5, burst: 3, maxInFlight: 10, leaseTtlMs: 60_000 };
    for (let i = 0; i < 3; i++) await acquireSlot(request("slot-clamped", { limits: three }).req);
    // A Worker's clock stands still while its isolate stalls; the bucket's does not.
    const { gate, slept } = await grantedGate("slot-clamped", three, (n) => (n === 1 ? 250 : 0), {
      now: () => T0,
    });
    await acquireSlot(request("slot-clamped", { limits: three }).req); // due at +400
    await gate.untilDue();
    // Due at +200, checked in at +450: booked again, behind the +400 call, due at +600.
    expect(slept).toEqual([200, 150]);
    expect(Date.now()).toBe(T0 + 600);
  });

  it("waits out the rest when it checks in before its token falls due", async () => {
    const one = { ratePerSecond: 5, burst: 1, maxInFlight: 10, leaseTtlMs: 60_000 };
    await acquireSlot(request("slot-early", { limits: one }).req);
    // Its first sleep ends 120 ms short of what it asked for (its clock ran ahead).
    const { gate, slept } = await grantedGate("slot-early", one, (n) => (n === 1 ? -120 : 0));
    await gate.untilDue();
    expect(slept).toEqual([200, 120]);
    expect(Date.now()).toBe(T0 + 200);
  });

  it("calls anyway after booking again three times (a machine that keeps stalling)", async () => {
    const { req, slept, checkIns } = scriptedBucket(() => ({ kind: "rebooked", dueAt: T0, waitMs: 100 }));
    const gate = await acquireSlot(req);
    if (gate.kind !== "granted") throw new Error("slot refused");
    await gate.untilDue();
    expect(checkIns).toHaveLength(3);
    // Its booking's wait, then each re-booking's: the third is waited out, then it calls.
    expect(slept).toEqual([200, 100, 100, 100]);
  });

  it("calls at once, without checking in, when its token is due at once", async () => {
    const { req, slept, checkIns } = scriptedBucket(() => ({ kind: "early", waitMs: 50 }), 0);
    const gate = await acquireSlot(req);
    if (gate.kind !== "granted") throw new Error("slot refused");
    await gate.untilDue();
    expect(checkIns).toEqual([]);
    expect(slept).toEqual([]);
  });

  it("calls anyway after eight check-ins that never find its token due", async () => {
    const { req, checkIns } = scriptedBucket(() => ({ kind: "early", waitMs: 50 }));
    const gate = await acquireSlot(req);
    if (gate.kind !== "granted") throw new Error("slot refused");
    await gate.untilDue();
    expect(checkIns).toHaveLength(8);
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
