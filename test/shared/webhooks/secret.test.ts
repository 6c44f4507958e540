import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { bytesToBase64, generateWebhookSecret, parseWebhookSecret } from "../../../shared/webhooks/secret";

const secretOf = (bytes: number) => `whsec_${bytesToBase64(new Uint8Array(bytes).fill(7))}`;

describe("webhook secrets", () => {
  it("generates whsec_ + base64 of 32 random bytes", () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(parseWebhookSecret(a)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it("generates secrets the reference library accepts", () => {
    expect(() => new Webhook(generateWebhookSecret())).not.toThrow();
  });

  it("accepts keys of 24 to 64 bytes", () => {
    expect(parseWebhookSecret(secretOf(24))).toEqual(new Uint8Array(24).fill(7));
    expect(parseWebhookSecret(secretOf(64))).toHaveLength(64);
  });

  it.each([
    ["a missing prefix", bytesToBase64(new Uint8Array(32)), /start with "whsec_"/],
    ["a wrong prefix", `whsk_${bytesToBase64(new Uint8Array(32))}`, /start with "whsec_"/],
    ["invalid base64", "whsec_not*base64!", /base64/],
    ["url-safe base64", `whsec_${"-_".repeat(22)}`, /base64/],
    ["an empty key", "whsec_", /24\.\.64 bytes, got 0/],
    ["a 23-byte key", secretOf(23), /got 23/],
    ["a 65-byte key", secretOf(65), /got 65/],
  ])("rejects %s with a clear error", (_, secret, message) => {
    expect(() => parseWebhookSecret(secret)).toThrow(message);
  });

  it("never echoes the secret in the error", () => {
    const bad = `whsec_${bytesToBase64(new Uint8Array(10).fill(200))}`;
    expect(() => parseWebhookSecret(bad)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(bad.slice(6)) }),
    );
  });
});
