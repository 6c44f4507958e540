// SSRF guard for customer webhook URLs. We rely on the WHATWG URL parser (the one fetch uses) to
// normalise tricks like http://2130706433, 0x7f.1 or [::ffff:127.0.0.1] and only inspect its output,
// against the IANA special-purpose registries (special-addresses.ts). Names that resolve to private
// addresses (127.0.0.1.nip.io, DNS rebinding) cannot be caught here: no DNS lookups in Workers;
// docs/webhooks.md says what closes that on Cloudflare.
import { parseV4, parseV6, refusal } from "./special-addresses";

export type WebhookUrlErrorCode =
  | "webhook_url_invalid"
  | "webhook_url_not_https"
  | "webhook_url_forbidden_host";
export type WebhookUrlCheck =
  | { ok: true; url: URL }
  | { ok: false; code: WebhookUrlErrorCode; message: string };

export const maxWebhookUrlLength = 2048;

// Hosts allowed over plain http in local development, matched on the normalised hostname.
const DEV_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Why a (normalised) host is not a public one, or null. */
function forbiddenHost(hostname: string): string | null {
  if (hostname.startsWith("[")) {
    const address = parseV6(hostname.slice(1, -1));
    return address ? refusal(address) : "an unreadable IPv6 address";
  }
  const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(hostname) ? parseV4(hostname) : null;
  if (v4) return refusal(v4);
  // Reserved names never publicly resolvable; `.internal` covers metadata.google.internal.
  if (hostname === "localhost" || hostname.endsWith(".localhost") || hostname.endsWith(".internal"))
    return "a reserved local name";
  return null;
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
  const refused = forbiddenHost(host);
  if (refused) {
    return fail(
      "webhook_url_forbidden_host",
      `Webhook URL must point at a public host, not a private or local one (${refused})`,
    );
  }
  return { ok: true, url };
}
