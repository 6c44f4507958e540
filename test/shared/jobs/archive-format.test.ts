// The archive's object format outside any Worker: concatenated gzip members are one gzip file that
// a standard reader (Node's zlib, as zcat) decodes to all the lines; each member alone decodes to
// its own line; a member padded with a gzip comment decodes to the same line at the new length.
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { concatMembers, gunzipText, gzipLine, padMember } from "../../../shared/jobs/archive-format";

const line = (n: number) => ({ v: 1 as const, void: true as const, n });

describe("archive objects", () => {
  it("are JSON lines to any gzip reader, and each member is its line alone", async () => {
    const lines = [line(1), line(2), line(3)];
    const { body, ranges } = concatMembers(await Promise.all(lines.map(gzipLine)));

    const whole = gunzipSync(body).toString("utf8");
    expect(
      whole
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual(lines);
    for (const [i, r] of ranges.entries()) {
      expect(JSON.parse(await gunzipText(body.subarray(r.offset, r.offset + r.length)))).toEqual(lines[i]);
    }
    expect(ranges.map((r) => r.offset)).toEqual([
      0,
      ranges[0]!.length,
      ranges[0]!.length + ranges[1]!.length,
    ]);
  });

  it("pads a member to an exact length that still decodes to the same line", async () => {
    const member = await gzipLine(line(7));
    for (const extra of [1, 2, 300]) {
      const padded = padMember(member, member.length + extra)!;
      expect(padded).toHaveLength(member.length + extra);
      expect(JSON.parse(await gunzipText(padded))).toEqual(line(7));
      expect(JSON.parse(gunzipSync(padded).toString("utf8"))).toEqual(line(7));
    }
    expect(padMember(member, member.length)).toBe(member);
    expect(padMember(member, member.length - 1)).toBeNull();
  });
});
