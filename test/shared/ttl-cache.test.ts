import { describe, expect, it } from "vitest";
import { TtlCache } from "../../shared/ttl-cache";

describe("TtlCache", () => {
  it("serves an entry until its time is up", () => {
    const cache = new TtlCache<string>(1000);
    cache.set("a", "x", 0);
    expect(cache.get("a", 999)).toBe("x");
    expect(cache.get("a", 1000)).toBeUndefined();
  });

  it("drops the oldest entry at the size limit, and a re-set entry counts as new", () => {
    const cache = new TtlCache<number>(10_000, 2);
    cache.set("a", 1, 0);
    cache.set("b", 2, 0);
    cache.set("a", 3, 1);
    cache.set("c", 4, 2);
    expect(cache.get("b", 3)).toBeUndefined();
    expect([cache.get("a", 3), cache.get("c", 3)]).toEqual([3, 4]);
  });
});
