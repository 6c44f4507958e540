// Every entry of the IANA special-purpose registries (special-addresses.ts) met through the webhook
// URL check, plus the embedded-IPv4 forms an attacker reached for (issue 21).
import { describe, expect, it } from "vitest";
import { SPECIAL_BLOCKS, embeddedV4, parseV4, parseV6 } from "../../../shared/webhooks/special-addresses";
import { checkWebhookUrl } from "../../../shared/webhooks/url-safety";

const prod = { allowLocalhost: false };

/** The block's first usable address (its network address when it is a single address). */
function sample(cidr: string): string {
  const [net = "", len = ""] = cidr.split("/");
  const single = Number(len) === (net.includes(":") ? 128 : 32);
  if (single) return net;
  if (net.includes(":")) return net.endsWith("::") ? `${net}1` : `${net.replace(/::$/, "")}1`;
  const parts = net.split(".").map(Number);
  parts[3] = (parts[3] ?? 0) + 1;
  return parts.join(".");
}

const urlOf = (address: string) =>
  address.includes(":") ? `https://[${address}]/hook` : `https://${address}/hook`;

// Globally reachable entries that stay open (the others sit inside a wider block that is not).
const OPEN = new Set(["192.31.196.1", "192.52.193.1", "192.175.48.1", "2620:4f:8000::1"]);

describe("the IANA special-purpose registries, entry by entry", () => {
  it.each(SPECIAL_BLOCKS.map((b) => [b.cidr, b.name, sample(b.cidr)] as const))(
    "%s (%s): %s",
    (_cidr, _name, address) => {
      const result = checkWebhookUrl(urlOf(address), prod);
      if (OPEN.has(address)) expect(result).toMatchObject({ ok: true });
      else expect(result).toMatchObject({ ok: false, code: "webhook_url_forbidden_host" });
    },
  );

  it("has every block parse, with the prefix inside the address width", () => {
    for (const { cidr } of SPECIAL_BLOCKS) {
      const [net = "", len = ""] = cidr.split("/");
      expect(net.includes(":") ? parseV6(net) : parseV4(net), cidr).not.toBeNull();
      expect(Number(len)).toBeLessThanOrEqual(net.includes(":") ? 128 : 32);
    }
  });
});

describe("IPv6 forms that embed an IPv4 address", () => {
  it.each([
    ["::ffff:0:a9fe:a9fe", "IPv4-translated 169.254.169.254"],
    ["::ffff:a9fe:a9fe", "IPv4-mapped 169.254.169.254"],
    ["::a9fe:a9fe", "IPv4-compatible 169.254.169.254"],
    ["64:ff9b:1::a9fe:a9fe", "local-use NAT64"],
    ["64:ff9b::a9fe:a9fe", "NAT64 of 169.254.169.254"],
    ["64:ff9b::a00:1", "NAT64 of 10.0.0.1"],
    ["2002:a9fe:a9fe::1", "6to4 of 169.254.169.254"],
    ["2002:c612:1::1", "6to4 of 198.18.0.1 (benchmarking)"],
    ["2001:0:4136:e378:8000:63bf:56fe:56fe", "Teredo"],
    ["2001:0:4136:e378:8000:63bf:5601:5601", "Teredo whose client is 169.254.169.254"],
    ["4000::1", "outside global unicast"],
  ])("refuses %s (%s)", (address) => {
    expect(checkWebhookUrl(urlOf(address), prod)).toMatchObject({
      ok: false,
      code: "webhook_url_forbidden_host",
    });
  });

  it("refuses 198.18.0.1 (benchmarking, 198.18.0.0/15) and says which block", () => {
    const result = checkWebhookUrl("https://198.18.0.1/", prod);
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.message).toContain("198.18.0.0/15 (Benchmarking)");
  });

  it("decodes the IPv4 address of each form, Teredo's client bit-inverted", () => {
    const v4 = (a: string) =>
      embeddedV4(parseV6(a)!).map((x) =>
        [24, 16, 8, 0].map((s) => Number((x.value >> BigInt(s)) & 255n)).join("."),
      );
    expect(v4("64:ff9b::808:808")).toEqual(["8.8.8.8"]);
    expect(v4("2002:808:808::1")).toEqual(["8.8.8.8"]);
    expect(v4("2001:0:4136:e378:8000:63bf:5601:5601")).toEqual(["65.54.227.120", "169.254.169.254"]);
    expect(v4("::ffff:0:a9fe:a9fe")).toContain("169.254.169.254");
  });

  it("still allows the public addresses these forms carry (NAT64 and 6to4 of 8.8.8.8)", () => {
    expect(checkWebhookUrl("https://[64:ff9b::808:808]/", prod)).toMatchObject({ ok: true });
    expect(checkWebhookUrl("https://[2002:808:808::1]/", prod)).toMatchObject({ ok: true });
    expect(checkWebhookUrl("https://[::ffff:8.8.8.8]/", prod)).toMatchObject({ ok: false });
  });
});
