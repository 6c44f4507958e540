import { describe, expect, it } from "vitest";
import { refundTokens, takeTokens } from "../../../shared/pacing/token-budget";

const T0 = 1_700_000_000_000;

describe("tokens per minute", () => {
  it("starts with a minute of tokens and refuses a call that does not fit, saying when it will", () => {
    const first = takeTokens(null, 6000, 4000, T0);
    expect(first).toMatchObject({ allowed: true, taken: 4000, state: { tokens: 2000 } });
    if (!first.allowed) throw new Error("unreachable");
    const second = takeTokens(first.state, 6000, 3000, T0);
    // 1,000 tokens short at 100 tokens a second.
    expect(second).toMatchObject({ allowed: false, retryAfterMs: 10_000 });
    const later = takeTokens(second.state, 6000, 3000, T0 + 10_000);
    expect(later.allowed).toBe(true);
    expect(takeTokens(second.state, 6000, 3000, T0 + 9_999).allowed).toBe(false);
  });

  it("caps a call's take at one minute of tokens, so a big call can still start", () => {
    const big = takeTokens(null, 1000, 50_000, T0);
    expect(big).toMatchObject({ allowed: true, taken: 1000, state: { tokens: 0 } });
  });

  it("gives back unused tokens, never above capacity", () => {
    const took = takeTokens(null, 6000, 5000, T0);
    if (!took.allowed) throw new Error("unreachable");
    expect(refundTokens(took.state, 6000, 4000, T0).tokens).toBe(5000);
    expect(refundTokens(took.state, 6000, 9000, T0).tokens).toBe(6000);
    // Refilled first: 10 s later 1,000 more have come back.
    expect(refundTokens(took.state, 6000, 0, T0 + 10_000).tokens).toBe(2000);
  });
});
