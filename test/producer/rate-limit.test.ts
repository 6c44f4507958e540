// The per-key rate limit at the front door: the Rate Limiting binding is asked once per request
// with the key's id (after authentication), every answer states the policy, and a refusal is a
// 429 problem with Retry-After and the IETF RateLimit fields. The limiter here is a stand-in that
// refuses after `limit` calls per key; the real binding is checked to be wired in.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedTenant } from "../support/tenant";
import { callWith, expectProblem, getInit } from "./helpers";

function countingLimiter(limit: number) {
  const counts = new Map<string, number>();
  return {
    counts,
    limiter: {
      async limit({ key }: { key: string }) {
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return { success: (counts.get(key) ?? 0) <= limit };
      },
    } as RateLimit,
  };
}

const POLICY = `"per-key";q=${env.API_RATE_LIMIT};w=${env.API_RATE_LIMIT_PERIOD_SECONDS}`;

describe("per-key rate limit", () => {
  it("counts each key's requests by its id and answers 429 with Retry-After and RateLimit past the limit", async () => {
    const t = await seedTenant(env.DB);
    const { limiter, counts } = countingLimiter(2);
    const get = () => callWith({ API_KEY_RATE_LIMITER: limiter }, "/v1/me", getInit(t.userKey));
    for (let i = 0; i < 2; i++) {
      const ok = await get();
      expect(ok.status).toBe(200);
      expect(ok.headers.get("ratelimit-policy")).toBe(POLICY);
    }
    const refused = await get();
    await expectProblem(refused, 429, "rate_limited");
    expect(refused.headers.get("retry-after")).toBe(String(env.API_RATE_LIMIT_PERIOD_SECONDS));
    expect(refused.headers.get("ratelimit-policy")).toBe(POLICY);
    expect(refused.headers.get("ratelimit")).toBe(`"per-key";r=0;t=${env.API_RATE_LIMIT_PERIOD_SECONDS}`);
    expect([...counts.keys()]).toEqual([t.keyIds.user]);

    // Another key of the same tenant has its own count.
    const admin = await callWith({ API_KEY_RATE_LIMITER: limiter }, "/v1/me", getInit(t.adminKey));
    expect(admin.status).toBe(200);
  });

  it("does not count a request whose key is unknown (401 before the limiter)", async () => {
    const { limiter, counts } = countingLimiter(0);
    const res = await callWith(
      { API_KEY_RATE_LIMITER: limiter },
      "/v1/me",
      getInit("gq_live_unknown0000000000000000000000"),
    );
    expect(res.status).toBe(401);
    expect(counts.size).toBe(0);
  });

  it("runs on the real Rate Limiting binding from wrangler.producer.toml", async () => {
    const t = await seedTenant(env.DB);
    expect(typeof env.API_KEY_RATE_LIMITER.limit).toBe("function");
    const res = await callWith({}, "/v1/me", getInit(t.userKey));
    expect(res.status).toBe(200);
    expect(res.headers.get("ratelimit-policy")).toBe(POLICY);
  });
});
