import { describe, expect, it } from "vitest";
import { effectivePriority, outranked } from "../../../shared/pacing/priority";

const T0 = 1_700_000_000_000;

describe("pacing priority", () => {
  it("ages a job's priority one level per whole minute since it was created", () => {
    expect(effectivePriority(5, T0, T0)).toBe(5);
    expect(effectivePriority(5, T0, T0 + 59_999)).toBe(5);
    expect(effectivePriority(-3, T0, T0 + 10 * 60_000)).toBe(7);
    // A clock behind the job's creation takes nothing away.
    expect(effectivePriority(2, T0, T0 - 60_000)).toBe(2);
  });

  it("is outranked only by another waiter of strictly higher priority", () => {
    const waiting = new Map([
      ["a", 3],
      ["b", 7],
    ]);
    expect(outranked(waiting, "a", 3)).toBe(true);
    expect(outranked(waiting, "b", 7)).toBe(false);
    expect(outranked(waiting, "c", 7)).toBe(false);
    expect(outranked(new Map(), "c", -100)).toBe(false);
  });
});
