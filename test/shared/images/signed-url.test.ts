// Signed image URLs without a runtime: the clock is passed in, keys come from fresh master secrets.
import { describe, expect, it } from "vitest";
import {
  deriveImageUrlKey,
  expiryFor,
  MAX_IMAGE_URL_TTL_SECONDS,
  signedImagePath,
  signedImageUrl,
  signImagePath,
  verifyImagePath,
} from "../../../shared/images/signed-url";
import { generateMasterKey } from "../../../shared/providers/keys/crypto";

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const PATH = signedImagePath("job_aaaaaaaaaaaaaaaaaaaa", 0);

async function signed(ttl = 3600) {
  const key = await deriveImageUrlKey(generateMasterKey());
  const expires = Math.floor(NOW / 1000) + ttl;
  return { key, expires: String(expires), signature: await signImagePath(PATH, expires, key) };
}

describe("verifyImagePath", () => {
  it("accepts its own signature until the expiry, and calls it expired from that second on", async () => {
    const { key, expires, signature } = await signed(60);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await verifyImagePath(PATH, expires, signature, key, NOW)).toBe("valid");
    expect(await verifyImagePath(PATH, expires, signature, key, NOW + 59_999)).toBe("valid");
    expect(await verifyImagePath(PATH, expires, signature, key, NOW + 60_000)).toBe("expired");
  });

  it("refuses the signature for another image or another job", async () => {
    const { key, expires, signature } = await signed();
    expect(
      await verifyImagePath(signedImagePath("job_aaaaaaaaaaaaaaaaaaaa", 1), expires, signature, key, NOW),
    ).toBe("invalid");
    expect(
      await verifyImagePath(signedImagePath("job_baaaaaaaaaaaaaaaaaaa", 0), expires, signature, key, NOW),
    ).toBe("invalid");
  });

  it("refuses a changed expiry, later or earlier, and non-canonical spellings of the same one", async () => {
    const { key, expires, signature } = await signed();
    for (const other of [
      String(Number(expires) + 1),
      String(Number(expires) - 1),
      `0${expires}`,
      `${expires}.0`,
    ]) {
      expect(await verifyImagePath(PATH, other, signature, key, NOW), other).toBe("invalid");
    }
  });

  it("refuses a signature made with another master key", async () => {
    const { expires, signature } = await signed();
    const other = await deriveImageUrlKey(generateMasterKey());
    expect(await verifyImagePath(PATH, expires, signature, other, NOW)).toBe("invalid");
  });

  it("refuses a flipped signature character and malformed signatures without throwing", async () => {
    const { key, expires, signature } = await signed();
    const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
    // The last character carries 2 unused bits: another spelling of the same bytes is refused too.
    const lastAlias = signature.slice(0, -1) + String.fromCharCode(signature.charCodeAt(42) + 1);
    for (const bad of [
      flipped,
      lastAlias,
      "",
      "abc",
      `${signature}=`,
      `${signature}A`,
      signature.replace(/.$/, "+"),
    ]) {
      expect(await verifyImagePath(PATH, expires, bad, key, NOW), bad).toBe("invalid");
    }
    for (const badExpiry of ["", "abc", "-1", "1e9", " 1"]) {
      expect(await verifyImagePath(PATH, badExpiry, signature, key, NOW), badExpiry).toBe("invalid");
    }
  });
});

describe("deriveImageUrlKey", () => {
  it("derives the same key from the same secret (URLs survive a restart) and refuses a malformed secret", async () => {
    const secret = generateMasterKey();
    const sig = await signImagePath(PATH, 2_000_000_000, await deriveImageUrlKey(secret));
    expect(await signImagePath(PATH, 2_000_000_000, await deriveImageUrlKey(secret))).toBe(sig);
    await expect(deriveImageUrlKey("not base64!")).rejects.toThrow(/base64/);
    await expect(deriveImageUrlKey(btoa("short"))).rejects.toThrow(/32 bytes/);
  });
});

describe("expiryFor", () => {
  it.each([60, 61, 900, 3600, 86_400, MAX_IMAGE_URL_TTL_SECONDS])(
    "keeps a TTL of %i s between 0.9 and 1 times the TTL, never more",
    (ttl) => {
      for (let offset = 0; offset < 7200_000; offset += 137_000) {
        const now = NOW + offset;
        const life = expiryFor(now, ttl) - now / 1000;
        expect(life).toBeLessThanOrEqual(ttl);
        expect(life).toBeGreaterThanOrEqual(ttl * 0.9 - 1);
      }
    },
  );

  it("hands out one expiry within a step, so the URL stays the same and caches keep it", () => {
    expect(expiryFor(NOW, 3600)).toBe(expiryFor(NOW + 359_000, 3600));
    expect(expiryFor(NOW + 360_000, 3600)).toBe(expiryFor(NOW, 3600) + 360);
  });
});

describe("signedImageUrl", () => {
  it("builds the path and query the signed route checks", async () => {
    const key = await deriveImageUrlKey(generateMasterKey());
    const { url, expiresAt } = await signedImageUrl("job_aaaaaaaaaaaaaaaaaaaa", 0, key, 600, NOW);
    const parsed = new URL(url, "https://x.test");
    expect(parsed.pathname).toBe(PATH);
    expect(parsed.searchParams.get("expires")).toBe(String(expiresAt));
    const sig = parsed.searchParams.get("signature") ?? "";
    expect(await verifyImagePath(PATH, String(expiresAt), sig, key, NOW)).toBe("valid");
  });
});
