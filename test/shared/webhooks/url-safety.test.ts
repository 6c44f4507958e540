import { describe, expect, it } from "vitest";
import { checkWebhookUrl } from "../../../shared/webhooks/url-safety";

const prod = { allowLocalhost: false };
const dev = { allowLocalhost: true };

describe("checkWebhookUrl outside development", () => {
  it.each([
    "https://example.com/hooks",
    "https://api.example.com:8443/hooks?x=1#frag",
    "https://8.8.8.8/hook",
    "https://[2606:4700:4700::1111]/hook",
    "https://172.32.0.1/", // just outside 172.16/12
    "https://100.128.0.1/", // just outside 100.64/10
    "https://[64:ff9b::808:808]/", // NAT64 of 8.8.8.8
    "https://[2002:808:808::1]/", // 6to4 of 8.8.8.8
  ])("allows %s", (url) => {
    const r = checkWebhookUrl(url, prod);
    expect(r).toMatchObject({ ok: true });
  });

  it("returns the normalised URL", () => {
    const r = checkWebhookUrl("HTTPS://Example.COM:443/a", prod);
    expect(r.ok && r.url.href).toBe("https://example.com/a");
  });

  it.each([
    ["not a url", "webhook_url_invalid"],
    ["/relative/path", "webhook_url_invalid"],
    ["https://", "webhook_url_invalid"],
    [`https://example.com/${"a".repeat(2048)}`, "webhook_url_invalid"],
    ["https://user:pass@example.com/", "webhook_url_invalid"],
    ["https://user@example.com/", "webhook_url_invalid"],
    ["https://example.com@127.0.0.1/", "webhook_url_invalid"],
    ["http://example.com/", "webhook_url_not_https"],
    ["ftp://example.com/", "webhook_url_not_https"],
    ["javascript:alert(1)", "webhook_url_not_https"],
    ["http://localhost/", "webhook_url_not_https"],
  ])("refuses %s as %s", (url, code) => {
    expect(checkWebhookUrl(url, prod)).toMatchObject({ ok: false, code });
  });

  it.each([
    // loopback
    "https://127.0.0.1/",
    "https://127.255.0.9/",
    "https://localhost/",
    "https://LOCALHOST:8443/",
    "https://localhost./",
    "https://api.localhost/",
    "https://[::1]/",
    "https://[0:0:0:0:0:0:0:1]/",
    // private
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://172.31.255.255/",
    "https://192.168.1.1/",
    "https://[fc00::1]/",
    "https://[fd12:3456::1]/",
    // link-local and metadata
    "https://169.254.1.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fe80::1]/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://metadata.google.internal./",
    "https://[fd00:ec2::254]/",
    // unspecified
    "https://0.0.0.0/",
    "https://0/",
    "https://[::]/",
    // CGNAT
    "https://100.64.0.1/",
    "https://100.127.255.255/",
    // IPv4-mapped and -compatible IPv6
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:169.254.169.254]/",
    "https://[::127.0.0.1]/",
    // NAT64 / 6to4 wrapping a private address
    "https://[64:ff9b::7f00:1]/",
    "https://[2002:a00:1::]/",
    // numeric IPv4 tricks, normalised by the URL parser
    "https://2130706433/",
    "https://0x7f.1/",
    "https://017700000001/",
    "https://127.1/",
    "https://0x7f000001./",
    "https://%31%32%37.0.0.1/",
    "https://0xa9.0xfe.0xa9.0xfe/", // 169.254.169.254
    // multicast and broadcast
    "https://224.0.0.1/",
    "https://255.255.255.255/",
  ])("refuses %s as a forbidden host", (url) => {
    expect(checkWebhookUrl(url, prod)).toMatchObject({ ok: false, code: "webhook_url_forbidden_host" });
  });

  it("refuses numeric tricks over http as not https before looking at the host", () => {
    expect(checkWebhookUrl("http://2130706433/", prod)).toMatchObject({
      ok: false,
      code: "webhook_url_not_https",
    });
  });
});

describe("checkWebhookUrl in development", () => {
  it.each([
    "http://localhost/",
    "http://localhost:8787/hook",
    "https://localhost:3000/",
    "http://127.0.0.1:9999/",
    "http://[::1]:4000/",
    "http://2130706433:8080/", // normalises to 127.0.0.1
    "https://example.com/",
  ])("allows %s", (url) => {
    expect(checkWebhookUrl(url, dev)).toMatchObject({ ok: true });
  });

  it.each([
    ["http://example.com/", "webhook_url_not_https"],
    ["http://10.0.0.1/", "webhook_url_not_https"],
    ["https://10.0.0.1/", "webhook_url_forbidden_host"],
    ["https://169.254.169.254/", "webhook_url_forbidden_host"],
    ["https://127.0.0.2/", "webhook_url_forbidden_host"],
    ["https://api.localhost/", "webhook_url_forbidden_host"],
    ["http://user:pw@localhost/", "webhook_url_invalid"],
  ])("still refuses %s as %s", (url, code) => {
    expect(checkWebhookUrl(url, dev)).toMatchObject({ ok: false, code });
  });
});
