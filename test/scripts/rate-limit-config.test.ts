// The per-key rate limit is stated twice in the producer's config: the Rate Limiting binding's
// `simple` settings (what Cloudflare enforces) and the API_RATE_LIMIT vars (what the 429 and the
// RateLimit-Policy field say; a Worker cannot read its binding's settings). They must agree.
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";
import { renderInstanceConfig } from "../../scripts/lib/provision/config";
import { InstanceSchema } from "../../scripts/lib/provision/instances";

const ROOT = resolve(import.meta.dirname, "../..");

interface RawProducerConfig {
  vars?: Record<string, string>;
  ratelimits?: { name: string; namespace_id: string; simple: { limit: number; period: number } }[];
}

function read(path: string): RawProducerConfig {
  return experimental_readRawConfig({ config: resolve(ROOT, path) }).rawConfig as RawProducerConfig;
}

describe("the per-key rate limit's two statements", () => {
  it("agree in wrangler.producer.toml, with a period Cloudflare accepts", () => {
    const config = read("wrangler.producer.toml");
    const limiter = config.ratelimits?.find((r) => r.name === "API_KEY_RATE_LIMITER");
    expect(limiter).toBeDefined();
    expect([10, 60]).toContain(limiter?.simple.period);
    expect(String(limiter?.simple.limit)).toBe(config.vars?.API_RATE_LIMIT);
    expect(String(limiter?.simple.period)).toBe(config.vars?.API_RATE_LIMIT_PERIOD_SECONDS);
  });

  it("agree in every instance's rendered config, an instance's own limit restated in its vars", () => {
    const base = read("wrangler.producer.toml") as Parameters<typeof renderInstanceConfig>[0];
    const opts = { baseDir: ROOT, outDir: resolve(ROOT, "deploy/generated/x") };
    const instances = [
      { name: "plain", d1DatabaseId: null },
      {
        name: "strict",
        d1DatabaseId: null,
        ratelimits: { API_KEY_RATE_LIMITER: { limit: 120, period: 10 as const } },
      },
    ];
    for (const instance of instances) {
      const config = renderInstanceConfig(base, InstanceSchema.parse(instance), opts) as RawProducerConfig;
      const limiter = config.ratelimits?.find((r) => r.name === "API_KEY_RATE_LIMITER");
      expect(String(limiter?.simple.limit), instance.name).toBe(config.vars?.API_RATE_LIMIT);
      expect(String(limiter?.simple.period), instance.name).toBe(config.vars?.API_RATE_LIMIT_PERIOD_SECONDS);
    }
  });
});
