// Workflow priority in the TokenBucket: while callers wait for a slot, the highest priority gets
// the next one, whatever the order they came in.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AcquireResponse, PacingLimits } from "../../consumers/src/pacing-types";

const limits: PacingLimits = { ratePerSecond: 100, burst: 100, maxInFlight: 1 };
const bucket = () => env.TOKEN_BUCKET.getByName(`instance:${crypto.randomUUID()}:provider:demo`);
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe("TokenBucket: priority among waiting callers", () => {
  it("gives a freed slot to the higher priority that came second, then to the lower one", async () => {
    const stub = bucket();
    expect(await stub.acquire({ leaseId: "holder", limits })).toMatchObject({ granted: true });
    const order: string[] = [];
    const wait = (leaseId: string, priority: number) =>
      (stub.acquire({ leaseId, limits, priority, maxWaitMs: 5_000 }) as Promise<AcquireResponse>).then(
        (a) => {
          if (a.granted) order.push(leaseId);
          return a;
        },
      );
    const low = wait("low", 0);
    await settle();
    const high = wait("high", 10);
    await settle();
    await stub.release("holder", "success");
    expect(await high).toMatchObject({ granted: true });
    await settle();
    expect(order).toEqual(["high"]);
    await stub.release("high", "success");
    expect(await low).toMatchObject({ granted: true });
    expect(order).toEqual(["high", "low"]);
  });

  it("lets equal priorities go in turn (neither holds the other back)", async () => {
    const stub = bucket();
    await stub.acquire({ leaseId: "holder", limits });
    const first = stub.acquire({ leaseId: "first", limits, priority: 5, maxWaitMs: 5_000 });
    const second = stub.acquire({ leaseId: "second", limits, priority: 5, maxWaitMs: 5_000 });
    await settle();
    await stub.release("holder", "success");
    expect(await Promise.race([first, second])).toMatchObject({ granted: true });
    await stub.release("first", "success");
    await stub.release("second", "success");
    expect(await first).toMatchObject({ granted: true });
    expect(await second).toMatchObject({ granted: true });
  });
});
