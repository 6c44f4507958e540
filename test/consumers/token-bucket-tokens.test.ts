// Tokens per minute in the TokenBucket object: text calls take their estimate from a second
// bucket in the same object (no extra request) and get back what their usage left unused.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PacingLimits } from "../../consumers/src/pacing-types";

// A day ahead of the real clock, as token-bucket.test.ts does: alarms fire on real time.
const T0 = Math.ceil(Date.now() / 1000) * 1000 + 86_400_000;
const limits: PacingLimits = { ratePerSecond: 100, burst: 100, maxInFlight: 100, tokensPerMinute: 6000 };
const bucket = (instance: string) => env.TOKEN_BUCKET.getByName(`instance:${instance}:provider:openai`);
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

describe("TokenBucket: tokens per minute", () => {
  it("denies a text call whose estimate does not fit, with the wait until it does", async () => {
    const stub = bucket(crypto.randomUUID());
    expect(await stub.acquire({ leaseId: "a", tokens: 5000, limits })).toMatchObject({ granted: true });
    // 1,000 left; 3,000 needs 2,000 more at 100 tokens a second.
    expect(await stub.acquire({ leaseId: "b", tokens: 3000, limits })).toEqual({
      granted: false,
      retryAfterMs: 20_000,
      reason: "rate",
    });
    // Image calls (no token estimate) are not held by it.
    expect(await stub.acquire({ leaseId: "img", limits })).toMatchObject({ granted: true });
    advance(20_000);
    expect(await stub.acquire({ leaseId: "b", tokens: 3000, limits })).toMatchObject({ granted: true });
  });

  it("gives back what a call's reported usage left unused", async () => {
    const stub = bucket(crypto.randomUUID());
    await stub.acquire({ leaseId: "a", tokens: 5000, limits });
    expect(await stub.acquire({ leaseId: "b", tokens: 4000, limits })).toMatchObject({ granted: false });
    await stub.release("a", "success", undefined, 1000);
    expect(await stub.acquire({ leaseId: "b", tokens: 4000, limits })).toMatchObject({ granted: true });
  });

  it("gives back everything for a call that never reached the provider, nothing for a success without usage", async () => {
    const stub = bucket(crypto.randomUUID());
    await stub.acquire({ leaseId: "a", tokens: 6000, limits });
    await stub.release("a", "not_called");
    expect(await stub.acquire({ leaseId: "b", tokens: 6000, limits })).toMatchObject({ granted: true });
    await stub.release("b", "success");
    expect(await stub.acquire({ leaseId: "c", tokens: 100, limits })).toMatchObject({ granted: false });
  });

  it("holds no text call when the limits set no tokens per minute", async () => {
    const stub = bucket(crypto.randomUUID());
    const { tokensPerMinute: _, ...unlimited } = limits;
    for (const id of ["a", "b", "c"])
      expect(await stub.acquire({ leaseId: id, tokens: 1_000_000, limits: unlimited })).toMatchObject({
        granted: true,
      });
  });
});
