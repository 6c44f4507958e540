// Start-up time from a V8 CPU profile, summed the way `wrangler check startup` sums it.
import { describe, expect, it } from "vitest";
import { activeMs } from "../../bench/lib/bundles";

const frame = (id: number, functionName: string) => ({ id, callFrame: { functionName } });

describe("activeMs", () => {
  it("sums every sample's time but the idle ones, garbage collection included (µs to ms)", () => {
    const profile = {
      nodes: [frame(1, "(root)"), frame(2, "(idle)"), frame(3, "(garbage collector)"), frame(4, "init")],
      samples: [2, 4, 4, 3, 2],
      timeDeltas: [5000, 1000, 1500, 500, 7000],
    };
    expect(activeMs(profile)).toBe(3);
  });

  it("is 0 for an empty profile", () => {
    expect(activeMs({})).toBe(0);
  });
});
