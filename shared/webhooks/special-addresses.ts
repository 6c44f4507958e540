// The IANA special-purpose address registries (IPv4 and IPv6, as of 2026-11), one table, plus the
// multicast and reserved blocks the registries leave to others. A webhook may not point at an
// address in a block that is not globally reachable, nor at an IPv6 address that embeds (NAT64,
// 6to4, Teredo, IPv4-mapped / -translated / -compatible) an IPv4 address that may not be reached.
// https://www.iana.org/assignments/iana-ipv4-special-registry
// https://www.iana.org/assignments/iana-ipv6-special-registry

export interface SpecialBlock {
  cidr: string;
  name: string;
  /** The registry's "Globally Reachable": false and "n/a" are refused, true passes. */
  reachable: boolean | "n/a";
  /** For IPv6 blocks that carry an IPv4 address: which of the 8 hextets hold it, and whether obfuscated. */
  embeds?: { hextets: [number, number]; inverted?: boolean }[];
}

export const SPECIAL_BLOCKS: readonly SpecialBlock[] = [
  // IPv4 special-purpose registry
  { cidr: "0.0.0.0/8", name: '"This network"', reachable: false },
  { cidr: "0.0.0.0/32", name: '"This host on this network"', reachable: false },
  { cidr: "10.0.0.0/8", name: "Private-Use", reachable: false },
  { cidr: "100.64.0.0/10", name: "Shared Address Space", reachable: false },
  { cidr: "127.0.0.0/8", name: "Loopback", reachable: false },
  { cidr: "169.254.0.0/16", name: "Link Local", reachable: false },
  { cidr: "172.16.0.0/12", name: "Private-Use", reachable: false },
  { cidr: "192.0.0.0/24", name: "IETF Protocol Assignments", reachable: false },
  { cidr: "192.0.0.0/29", name: "IPv4 Service Continuity Prefix", reachable: false },
  { cidr: "192.0.0.8/32", name: "IPv4 dummy address", reachable: false },
  { cidr: "192.0.0.9/32", name: "Port Control Protocol Anycast", reachable: true },
  { cidr: "192.0.0.10/32", name: "Traversal Using Relays around NAT Anycast", reachable: true },
  { cidr: "192.0.0.170/32", name: "NAT64/DNS64 Discovery", reachable: false },
  { cidr: "192.0.0.171/32", name: "NAT64/DNS64 Discovery", reachable: false },
  { cidr: "192.0.2.0/24", name: "Documentation (TEST-NET-1)", reachable: false },
  { cidr: "192.31.196.0/24", name: "AS112-v4", reachable: true },
  { cidr: "192.52.193.0/24", name: "AMT", reachable: true },
  { cidr: "192.88.99.0/24", name: "Deprecated (6to4 Relay Anycast)", reachable: false },
  { cidr: "192.168.0.0/16", name: "Private-Use", reachable: false },
  { cidr: "192.175.48.0/24", name: "Direct Delegation AS112 Service", reachable: true },
  { cidr: "198.18.0.0/15", name: "Benchmarking", reachable: false },
  { cidr: "198.51.100.0/24", name: "Documentation (TEST-NET-2)", reachable: false },
  { cidr: "203.0.113.0/24", name: "Documentation (TEST-NET-3)", reachable: false },
  { cidr: "240.0.0.0/4", name: "Reserved", reachable: false },
  { cidr: "255.255.255.255/32", name: "Limited Broadcast", reachable: false },
  // Not in the special-purpose registry (the multicast registry holds it), never a webhook.
  { cidr: "224.0.0.0/4", name: "Multicast", reachable: false },

  // IPv6 special-purpose registry
  { cidr: "::1/128", name: "Loopback Address", reachable: false },
  { cidr: "::/128", name: "Unspecified Address", reachable: false },
  { cidr: "::ffff:0:0/96", name: "IPv4-mapped Address", reachable: false, embeds: [{ hextets: [6, 7] }] },
  { cidr: "64:ff9b::/96", name: "IPv4-IPv6 Translat.", reachable: true, embeds: [{ hextets: [6, 7] }] },
  {
    cidr: "64:ff9b:1::/48",
    name: "IPv4-IPv6 Translat. (local-use)",
    reachable: false,
    embeds: [{ hextets: [6, 7] }],
  },
  { cidr: "100::/64", name: "Discard-Only Address Block", reachable: false },
  { cidr: "100:0:0:1::/64", name: "Dummy IPv6 Prefix", reachable: false },
  { cidr: "2001::/23", name: "IETF Protocol Assignments", reachable: false },
  {
    cidr: "2001::/32",
    name: "TEREDO",
    reachable: "n/a",
    // The Teredo server's IPv4, then the client's, stored bit-inverted.
    embeds: [{ hextets: [2, 3] }, { hextets: [6, 7], inverted: true }],
  },
  { cidr: "2001:1::1/128", name: "Port Control Protocol Anycast", reachable: true },
  { cidr: "2001:1::2/128", name: "Traversal Using Relays around NAT Anycast", reachable: true },
  { cidr: "2001:1::3/128", name: "DNS-SD Service Registration Protocol Anycast", reachable: true },
  { cidr: "2001:2::/48", name: "Benchmarking", reachable: false },
  { cidr: "2001:3::/32", name: "AMT", reachable: true },
  { cidr: "2001:4:112::/48", name: "AS112-v6", reachable: true },
  { cidr: "2001:10::/28", name: "Deprecated (previously ORCHID)", reachable: false },
  { cidr: "2001:20::/28", name: "ORCHIDv2", reachable: true },
  { cidr: "2001:30::/28", name: "Drone Remote ID Protocol Entity Tags (DETs) Prefix", reachable: true },
  { cidr: "2001:db8::/32", name: "Documentation", reachable: false },
  { cidr: "2002::/16", name: "6to4", reachable: "n/a", embeds: [{ hextets: [1, 2] }] },
  { cidr: "2620:4f:8000::/48", name: "Direct Delegation AS112 Service", reachable: true },
  { cidr: "3fff::/20", name: "Documentation", reachable: false },
  { cidr: "5f00::/16", name: "Segment Routing (SRv6) SIDs", reachable: false },
  { cidr: "fc00::/7", name: "Unique-Local", reachable: false },
  { cidr: "fe80::/10", name: "Link-Local Unicast", reachable: false },
  // Not in the registry: deprecated or host-internal forms, and multicast.
  { cidr: "::/96", name: "IPv4-compatible (deprecated)", reachable: false, embeds: [{ hextets: [6, 7] }] },
  {
    cidr: "::ffff:0:0:0/96",
    name: "IPv4-translated (SIIT)",
    reachable: false,
    embeds: [{ hextets: [6, 7] }],
  },
  { cidr: "fec0::/10", name: "Site-Local (deprecated)", reachable: false },
  { cidr: "ff00::/8", name: "Multicast", reachable: false },
];

/** An address as a big integer and its width: 32 bits for IPv4, 128 for IPv6. */
export interface Address {
  bits: 32 | 128;
  value: bigint;
}

export function parseV4(text: string): Address | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return { bits: 32, value: parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n) };
}

/** Hex hextets with at most one `::`: the form the WHATWG URL parser serialises every IPv6 host to. */
export function parseV6(text: string): Address | null {
  const halves = text.toLowerCase().split("::");
  if (halves.length > 2) return null;
  const parse = (s: string) => (s ? s.split(":") : []);
  const [left, right] = [parse(halves[0] ?? ""), parse(halves[1] ?? "")];
  if (![...left, ...right].every((h) => /^[0-9a-f]{1,4}$/.test(h))) return null;
  const fill = 8 - left.length - right.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return null;
  const hextets = [
    ...left.map((h) => Number.parseInt(h, 16)),
    ...new Array<number>(halves.length === 2 ? fill : 0).fill(0),
    ...right.map((h) => Number.parseInt(h, 16)),
  ];
  return { bits: 128, value: hextets.reduce((n, h) => (n << 16n) | BigInt(h), 0n) };
}

interface ParsedBlock extends SpecialBlock {
  network: Address;
  prefix: number;
}

const PARSED: readonly ParsedBlock[] = SPECIAL_BLOCKS.map((block) => {
  const [net = "", len = ""] = block.cidr.split("/");
  const network = net.includes(":") ? parseV6(net) : parseV4(net);
  if (!network) throw new Error(`special-addresses: bad block ${block.cidr}`);
  return { ...block, network, prefix: Number(len) };
});

function contains(block: ParsedBlock, address: Address): boolean {
  if (block.network.bits !== address.bits) return false;
  const shift = BigInt(address.bits - block.prefix);
  return address.value >> shift === block.network.value >> shift;
}

function hextetsOf(address: Address): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((address.value >> BigInt(16 * (7 - i))) & 0xffffn));
}

/** Every block the address falls in, most general first. */
export function blocksOf(address: Address): ParsedBlock[] {
  return PARSED.filter((block) => contains(block, address));
}

/** The IPv4 addresses an IPv6 address carries, by the forms of the blocks it falls in. */
export function embeddedV4(address: Address): Address[] {
  if (address.bits !== 128) return [];
  const h = hextetsOf(address);
  return blocksOf(address).flatMap((block) =>
    (block.embeds ?? []).map(({ hextets: [hi, lo], inverted }) => {
      const value = BigInt(((h[hi] ?? 0) << 16) | (h[lo] ?? 0)) & 0xffffffffn;
      return { bits: 32 as const, value: inverted ? value ^ 0xffffffffn : value };
    }),
  );
}

/** Why an address may not be a webhook's host (the first block that refuses it), or null. */
export function refusal(address: Address): string | null {
  const blocks = blocksOf(address);
  const closed = blocks.find((b) => b.reachable === false);
  if (closed) return `${closed.cidr} (${closed.name})`;
  for (const v4 of embeddedV4(address)) {
    const inner = refusal(v4);
    if (inner) return `an embedded IPv4 address in ${inner}`;
  }
  // Outside global unicast (2000::/3) nothing is routable on the internet, bar the blocks above.
  const globalUnicast = address.bits === 32 || address.value >> 125n === 1n || blocks.length > 0;
  return globalUnicast ? null : "IPv6 outside global unicast 2000::/3";
}
