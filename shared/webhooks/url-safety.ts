// SSRF guard for customer webhook URLs. We rely on the WHATWG URL parser (the one fetch uses) to
// normalise tricks like http://2130706433, 0x7f.1 or [::ffff:127.0.0.1] and only inspect its output.
// Names that resolve to private addresses (DNS rebinding) cannot be caught here: no DNS in Workers.

export type WebhookUrlErrorCode =
  | "webhook_url_invalid"
  | "webhook_url_not_https"
  | "webhook_url_forbidden_host";
export type WebhookUrlCheck =
  | { ok: true; url: URL }
  | { ok: false; code: WebhookUrlErrorCode; message: string };

export const maxWebhookUrlLength = 2048;

// [network, prefix length]; every range here is unreachable or internal from the public internet.
const FORBIDDEN_V4: ReadonlyArray<readonly [string, number]> = [
  ["0.0.0.0", 8], // "this network", includes the unspecified 0.0.0.0
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // CGNAT (also Alibaba's metadata 100.100.100.200)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, includes the cloud metadata 169.254.169.254
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments (Oracle's metadata 192.0.0.192)
  ["192.168.0.0", 16], // private
  ["224.0.0.0", 3], // multicast, reserved and broadcast (224/4 + 240/4)
];

// Hosts allowed over plain http in local development, matched on the normalised hostname.
const DEV_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

function v4ToInt(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function isForbiddenV4(n: number): boolean {
  return FORBIDDEN_V4.some(
    ([net, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(v4ToInt(net) / 2 ** (32 - bits)),
  );
}

/** The 8 hextets of a serialised IPv6 host (`[a:b::c]`; WHATWG never emits dotted or zone forms). */
function v6Hextets(host: string): number[] {
  const [head = "", tail] = host.slice(1, -1).split("::");
  const parse = (s: string) => (s ? s.split(":").map((h) => Number.parseInt(h, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function isForbiddenV6(h: number[]): boolean {
  const [a = 0, b = 0] = h;
  const zeros = (from: number, to: number) => h.slice(from, to).every((x) => x === 0);
  if (zeros(0, 6)) return true; // ::/96: unspecified ::, loopback ::1, deprecated IPv4-compatible
  if (zeros(0, 5) && h[5] === 0xffff) return true; // IPv4-mapped: reaches IPv4 hosts, never a sane target
  if ((a & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local (includes AWS metadata fd00:ec2::254)
  if ((a & 0xffc0) === 0xfe80 || (a & 0xffc0) === 0xfec0) return true; // link-local, old site-local
  if ((a & 0xff00) === 0xff00) return true; // multicast
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embed an IPv4 address that must pass the IPv4 rules.
  if (a === 0x64 && b === 0xff9b && zeros(2, 6)) return isForbiddenV4(h[6]! * 65536 + h[7]!);
  if (a === 0x2002) return isForbiddenV4(b * 65536 + h[2]!);
  return false;
}

function isForbiddenHost(hostname: string): boolean {
  if (hostname.startsWith("[")) return isForbiddenV6(v6Hextets(hostname));
  if (/^\d+\.\d+\.\d+\.\d+$/.test(hostname)) return isForbiddenV4(v4ToInt(hostname));
  // Reserved names never publicly resolvable; `.internal` covers metadata.google.internal.
  return hostname === "localhost" || hostname.endsWith(".localhost") || hostname.endsWith(".internal");
}

const fail = (code: WebhookUrlErrorCode, message: string): WebhookUrlCheck => ({ ok: false, code, message });

export function checkWebhookUrl(
  input: string,
  { allowLocalhost }: { allowLocalhost: boolean },
): WebhookUrlCheck {
  if (input.length > maxWebhookUrlLength) {
    return fail("webhook_url_invalid", `Webhook URL must be at most ${maxWebhookUrlLength} characters`);
  }
  // A lone surrogate cannot be stored or sent as given (it becomes U+FFFD on the way): refuse it.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(input)) {
    return fail("webhook_url_invalid", "Webhook URL must be well-formed Unicode (it holds a lone surrogate)");
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return fail("webhook_url_invalid", "Webhook URL is not a valid absolute URL");
  }
  // Credentials in a URL leak into logs and can disguise the real host (https://good.com@evil.com).
  if (url.username || url.password)
    return fail("webhook_url_invalid", "Webhook URL must not contain credentials");
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return fail("webhook_url_not_https", "Webhook URL must use https");
  }
  const host = url.hostname.replace(/\.+$/, ""); // "localhost." is still localhost
  if (allowLocalhost && DEV_HOSTS.has(host)) return { ok: true, url };
  if (url.protocol !== "https:") return fail("webhook_url_not_https", "Webhook URL must use https");
  if (isForbiddenHost(host)) {
    return fail(
      "webhook_url_forbidden_host",
      "Webhook URL must point at a public host, not a private or local one",
    );
  }
  return { ok: true, url };
}
