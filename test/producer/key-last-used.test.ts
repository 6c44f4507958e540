// A key's last_used_at is written at most once a minute, and a busy key costs no D1 statement per
// request for it: the isolate remembers which keys it recorded.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedTenant } from "../support/tenant";
import { callWith, getInit } from "./helpers";

async function lastUsedAt(keyId: string): Promise<number | null> {
  const row = await env.DB.prepare("SELECT last_used_at AS at FROM api_keys WHERE id = ?").bind(keyId).first<{
    at: number | null;
  }>();
  return row?.at ?? null;
}

describe("api key last_used_at", () => {
  it("is recorded on a key's first request", async () => {
    const t = await seedTenant(env.DB);
    const before = Date.now();
    expect((await callWith({}, "/v1/me", getInit(t.userKey))).status).toBe(200);
    expect(await lastUsedAt(t.keyIds.user)).toBeGreaterThanOrEqual(before);
  });

  it("is not written again by the same isolate within a minute, even when the stored time is old", async () => {
    const t = await seedTenant(env.DB);
    expect((await callWith({}, "/v1/me", getInit(t.userKey))).status).toBe(200);
    // Another isolate's view: the stored time looks stale. This isolate recorded the key a moment
    // ago, so it sends no statement at all, and the stale value stays.
    await env.DB.prepare("UPDATE api_keys SET last_used_at = 1 WHERE id = ?").bind(t.keyIds.user).run();
    expect((await callWith({}, "/v1/me", getInit(t.userKey))).status).toBe(200);
    expect(await lastUsedAt(t.keyIds.user)).toBe(1);
  });
});
