import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../../shared/webhooks/secret";
import {
  DecryptError,
  decryptSecret,
  encryptSecret,
  generateMasterKey,
  importMasterKey,
  keyAad,
  MASTER_KEY_BYTES,
  MasterKeyError,
} from "../../../shared/providers/keys/crypto";

const PLAINTEXT = "ideo_live_secretvalue_0123456789";
const AAD = keyAad("ins_aaaaaaaaaaaaaaaaaaaa", "ideogram", "pk_bbbbbbbbbbbbbbbbbbbb");

/** Flips one bit of the decoded value at `index` and re-encodes it. */
function flipBit(b64: string, index: number): string {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  bytes[index]! ^= 0x01;
  return bytesToBase64(bytes);
}

describe("provider key encryption", () => {
  it("round-trips a key under the same master key and AAD", async () => {
    const key = await importMasterKey(generateMasterKey());
    const sealed = await encryptSecret(key, PLAINTEXT, AAD);
    expect(await decryptSecret(key, sealed, AAD)).toBe(PLAINTEXT);
  });

  it("stores base64 of a 12-byte IV, the ciphertext and the 16-byte tag, never the plaintext", async () => {
    const key = await importMasterKey(generateMasterKey());
    const sealed = await encryptSecret(key, PLAINTEXT, AAD);
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(atob(sealed).length).toBe(12 + new TextEncoder().encode(PLAINTEXT).length + 16);
    expect(sealed).not.toContain(PLAINTEXT);
    expect(atob(sealed)).not.toContain(PLAINTEXT);
  });

  it("uses a fresh IV every time", async () => {
    const key = await importMasterKey(generateMasterKey());
    const a = await encryptSecret(key, PLAINTEXT, AAD);
    const b = await encryptSecret(key, PLAINTEXT, AAD);
    expect(a).not.toBe(b);
    expect(atob(a).slice(0, 12)).not.toBe(atob(b).slice(0, 12));
  });

  it("does not decrypt a row copied to another instance, provider or key id (AAD)", async () => {
    const key = await importMasterKey(generateMasterKey());
    const sealed = await encryptSecret(key, PLAINTEXT, AAD);
    for (const aad of [
      keyAad("ins_cccccccccccccccccccc", "ideogram", "pk_bbbbbbbbbbbbbbbbbbbb"),
      keyAad("ins_aaaaaaaaaaaaaaaaaaaa", "openai", "pk_bbbbbbbbbbbbbbbbbbbb"),
      keyAad("ins_aaaaaaaaaaaaaaaaaaaa", "ideogram", "pk_dddddddddddddddddddd"),
    ]) {
      await expect(decryptSecret(key, sealed, aad)).rejects.toBeInstanceOf(DecryptError);
    }
  });

  it("rejects a tampered IV, ciphertext or tag", async () => {
    const key = await importMasterKey(generateMasterKey());
    const sealed = await encryptSecret(key, PLAINTEXT, AAD);
    const length = atob(sealed).length;
    for (const index of [0, 11, 12, length - 17, length - 1]) {
      await expect(decryptSecret(key, flipBit(sealed, index), AAD)).rejects.toBeInstanceOf(DecryptError);
    }
  });

  it("rejects a truncated or non-base64 value", async () => {
    const key = await importMasterKey(generateMasterKey());
    await expect(decryptSecret(key, bytesToBase64(new Uint8Array(27)), AAD)).rejects.toThrow(/too short/);
    await expect(decryptSecret(key, "not base64!", AAD)).rejects.toThrow(/not valid base64/);
  });

  it("does not decrypt under another master key", async () => {
    const sealed = await encryptSecret(await importMasterKey(generateMasterKey()), PLAINTEXT, AAD);
    const other = await importMasterKey(generateMasterKey());
    const error = await decryptSecret(other, sealed, AAD).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecryptError);
    expect(String((error as Error).message)).not.toContain(PLAINTEXT);
  });

  it("generates master keys of 32 random bytes in standard base64", () => {
    const a = generateMasterKey();
    expect(a).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(atob(a).length).toBe(MASTER_KEY_BYTES);
    expect(generateMasterKey()).not.toBe(a);
  });

  it("accepts a master key with surrounding whitespace (a pasted secret)", async () => {
    const secret = generateMasterKey();
    const key = await importMasterKey(`  ${secret}\n`);
    const sealed = await encryptSecret(key, PLAINTEXT, AAD);
    expect(await decryptSecret(await importMasterKey(secret), sealed, AAD)).toBe(PLAINTEXT);
  });

  it("explains a master key that is not base64, without echoing it", async () => {
    const secret = "this is not base64 at all!";
    const error = await importMasterKey(secret).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MasterKeyError);
    expect((error as Error).message).toMatch(
      /PROVIDER_KEYS_MASTER_KEY must be standard padded base64.*openssl rand -base64 32/,
    );
    expect((error as Error).message).not.toContain(secret);
  });

  it("explains a master key of the wrong length", async () => {
    for (const bytes of [16, 31, 33, 64]) {
      const secret = bytesToBase64(crypto.getRandomValues(new Uint8Array(bytes)));
      const error = await importMasterKey(secret).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MasterKeyError);
      expect((error as Error).message).toContain(`must decode to 32 bytes, got ${bytes}`);
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it("rejects an empty master key", async () => {
    await expect(importMasterKey("")).rejects.toBeInstanceOf(MasterKeyError);
  });
});
