// A pacing object that does not answer must not hold a queue batch until its wall-time limit:
// past the wait it was asked to hold plus a grace, acquire defers the message, a check-in lets
// the call go, and a release is left to the lease's expiry.
import { describe, expect, it } from "vitest";
import { acquireSlot, type GateRequest } from "../../consumers/src/pacing";

const never = <T>() => new Promise<T>(() => undefined);

function silentBucket(answers: { acquire?: unknown } = {}) {
  const stub = {
    acquire: async () => answers.acquire ?? never(),
    checkIn: () => never(),
    release: () => never(),
  };
  const namespace = { getByName: () => stub } as unknown as GateRequest["namespace"];
  const req: GateRequest = {
    namespace,
    instanceId: "ins_silent",
    provider: "demo",
    input: { prompt: "p", aspect_ratio: "1x1", num_images: 1 },
    limits: { ratePerSecond: 1, burst: 1, maxInFlight: 1, leaseTtlMs: 60_000 },
    maxInlineWaitMs: 20,
    rpcGraceMs: 50,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
  };
  return req;
}

describe("pacing calls that get no answer", () => {
  it("defers the message when acquire does not answer within the inline wait plus the grace", async () => {
    const started = Date.now();
    const gate = await acquireSlot(silentBucket());
    expect(gate).toMatchObject({ kind: "denied", reason: "pacing_unavailable", retryAfterMs: 1_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
  });

  it("calls anyway when a check-in is not answered, and does not wait for a release", async () => {
    const granted = {
      granted: true,
      leaseId: "l",
      leaseExpiresAt: Date.now() + 60_000,
      probe: false,
      waitMs: 5,
      dueAt: Date.now() + 5,
    };
    const gate = await acquireSlot(silentBucket({ acquire: granted }));
    if (gate.kind !== "granted") throw new Error("expected a slot");
    await gate.untilDue();
    await gate.release("success");
  });
});
