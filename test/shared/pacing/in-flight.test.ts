import { describe, expect, it } from "vitest";
import { acquire, inFlightWeight, type Lease, release } from "../../../shared/pacing/in-flight";

const T0 = 1_700_000_000_000;
const opts = { max: 2, ttlMs: 60_000 };

describe("in-flight leases", () => {
  it("grants up to max, then denies until a release", () => {
    let leases: Lease[] = [];
    for (const id of ["a", "b"]) {
      const r = acquire(leases, T0, { ...opts, leaseId: id });
      expect(r.granted).toBe(true);
      leases = r.leases;
    }
    const denied = acquire(leases, T0, { ...opts, leaseId: "c" });
    expect(denied).toMatchObject({ granted: false, retryAfterMs: 60_001 });
    leases = release(leases, "a").leases;
    expect(acquire(leases, T0, { ...opts, leaseId: "c" }).granted).toBe(true);
  });

  it("drops expired leases so a crashed consumer cannot hold a slot forever", () => {
    const held = acquire([], T0, { ...opts, max: 1, leaseId: "crashed" }).leases;
    expect(acquire(held, T0 + 60_000, { ...opts, max: 1, leaseId: "next" }).granted).toBe(false);
    const r = acquire(held, T0 + 60_001, { ...opts, max: 1, leaseId: "next" });
    expect(r.granted).toBe(true);
    expect(r.leases.map((l) => l.id)).toEqual(["next"]);
  });

  it("counts weight, so an image-limited provider counts images, not requests", () => {
    let leases = acquire([], T0, { max: 8, ttlMs: 1000, leaseId: "four", weight: 4 }).leases;
    leases = acquire(leases, T0, { max: 8, ttlMs: 1000, leaseId: "three", weight: 3 }).leases;
    expect(inFlightWeight(leases, T0)).toBe(7);
    expect(acquire(leases, T0, { max: 8, ttlMs: 1000, leaseId: "two", weight: 2 }).granted).toBe(false);
    expect(acquire(leases, T0, { max: 8, ttlMs: 1000, leaseId: "one", weight: 1 }).granted).toBe(true);
  });

  it("lets a lease heavier than max run alone rather than never", () => {
    expect(acquire([], T0, { max: 4, ttlMs: 1000, leaseId: "big", weight: 6 }).granted).toBe(true);
    const one = acquire([], T0, { max: 4, ttlMs: 1000, leaseId: "one" }).leases;
    expect(acquire(one, T0, { max: 4, ttlMs: 1000, leaseId: "big", weight: 6 }).granted).toBe(false);
  });

  it("renews a lease acquired again under the same id instead of counting it twice", () => {
    const first = acquire([], T0, { ...opts, max: 1, leaseId: "a" }).leases;
    const again = acquire(first, T0 + 10, { ...opts, max: 1, leaseId: "a" });
    expect(again.granted).toBe(true);
    expect(again.leases).toEqual([{ id: "a", weight: 1, expiresAt: T0 + 10 + 60_000 }]);
  });

  it("release reports the lease it freed, and nothing for an unknown id", () => {
    const leases = acquire([], T0, { ...opts, leaseId: "a" }).leases;
    expect(release(leases, "a").released?.id).toBe("a");
    expect(release(leases, "zzz")).toEqual({ leases, released: undefined });
  });
});
