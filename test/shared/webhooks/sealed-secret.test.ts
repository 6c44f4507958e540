// Webhook secrets at rest: sealed under the master key and bound to their project; plaintext
// values from before encryption read as they are; errors never carry a secret.
import { describe, expect, it } from "vitest";
import { generateMasterKey, importMasterKey } from "../../../shared/providers/keys/crypto";
import {
  isSealed,
  openWebhookSecret,
  sealWebhookSecret,
  WebhookSecretUnavailable,
} from "../../../shared/webhooks/sealed-secret";
import { generateWebhookSecret } from "../../../shared/webhooks/secret";

const key = () => importMasterKey(generateMasterKey());

describe("sealed webhook secrets", () => {
  it("seals to enc:v1: without the secret in it, and opens back to the secret", async () => {
    const master = await key();
    const secret = generateWebhookSecret();
    const sealed = await sealWebhookSecret(master, "prj_a", secret);
    expect(sealed).toMatch(/^enc:v1:[A-Za-z0-9+/]+=*$/);
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain(secret.slice("whsec_".length, 20));
    expect(await sealWebhookSecret(master, "prj_a", secret)).not.toBe(sealed);
    expect(await openWebhookSecret(master, "prj_a", sealed)).toBe(secret);
  });

  it("reads a plaintext secret from before encryption as it is, with or without a master key", async () => {
    const secret = generateWebhookSecret();
    expect(isSealed(secret)).toBe(false);
    expect(await openWebhookSecret(null, "prj_a", secret)).toBe(secret);
    expect(await openWebhookSecret(await key(), "prj_a", secret)).toBe(secret);
  });

  it("refuses another project's value, another master key, a tampered value and a missing key", async () => {
    const master = await key();
    const secret = generateWebhookSecret();
    const sealed = await sealWebhookSecret(master, "prj_a", secret);
    const tampered = `${sealed.slice(0, -6)}AAAA${sealed.slice(-2)}`;
    const other = await key();
    // Started one at a time: a rejection left waiting while another is set up is "unhandled".
    const attempts = [
      () => openWebhookSecret(master, "prj_b", sealed),
      () => openWebhookSecret(other, "prj_a", sealed),
      () => openWebhookSecret(master, "prj_a", tampered),
      () => openWebhookSecret(null, "prj_a", sealed),
    ];
    for (const attempt of attempts) {
      const error = await attempt().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WebhookSecretUnavailable);
      expect(String(error)).not.toContain(secret);
      expect(String(error)).not.toContain(sealed);
    }
  });
});
