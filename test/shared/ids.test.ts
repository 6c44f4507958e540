import { describe, expect, it } from "vitest";
import { generateApiKey, isWellFormedApiKey } from "../../shared/auth/keys";
import { newId, randomToken } from "../../shared/ids";

describe("ids and keys", () => {
  it("makes prefixed ids of the asked length from [0-9a-z]", () => {
    expect(newId("job")).toMatch(/^job_[0-9a-z]{20}$/);
    expect(randomToken(7)).toMatch(/^[0-9a-z]{7}$/);
    expect(isWellFormedApiKey(generateApiKey())).toBe(true);
  });

  it("favours no character (bytes past the last multiple of 36 are redrawn)", () => {
    const counts = new Map<string, number>();
    for (const ch of randomToken(36_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(36);
    // With modulo bias '0'-'3' would come out ~12% more often than the rest (8/256 vs 7/256).
    const zeroToThree = ["0", "1", "2", "3"].reduce((n, ch) => n + counts.get(ch)!, 0) / 4;
    const others = [...counts].filter(([ch]) => !"0123".includes(ch)).reduce((n, [, c]) => n + c, 0) / 32;
    expect(zeroToThree / others).toBeLessThan(1.06);
  });
});
