// The AI Gateway's pure parts: URLs per provider as Cloudflare's provider pages give them, the
// cf-aig-* headers, and a fetch that touches gateway calls only.
import { describe, expect, it } from "vitest";
import {
  type GatewayCall,
  gatewayBaseUrl,
  gatewayFetch,
  gatewayFor,
  gatewayHeaders,
  gatewayMetadata,
  gatewayTarget,
  type StoredAiGateway,
  workersAiGatewayOption,
} from "../../../shared/providers/gateway";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const call: GatewayCall = {
  origin: "https://gateway.ai.cloudflare.com",
  accountId: ACCOUNT,
  gatewayId: "images-prod",
  cacheTtlSeconds: null,
  skipCache: false,
  metadata: { instance_id: "ins_1", job_id: "job_1" },
};
const GW = `https://gateway.ai.cloudflare.com/v1/${ACCOUNT}/images-prod`;

describe("gateway URLs", () => {
  it("builds {origin}/v1/{account}/{gateway}/{slug}, whatever trailing slash the origin has", () => {
    expect(gatewayBaseUrl(call, "openai")).toBe(`${GW}/openai`);
    expect(gatewayBaseUrl({ ...call, origin: "http://127.0.0.1:9/" }, "ideogram")).toBe(
      `http://127.0.0.1:9/v1/${ACCOUNT}/images-prod/ideogram`,
    );
  });

  it("maps what our adapters build onto the gateway's paths (OpenAI and Replicate drop /v1, Ideogram keeps it)", () => {
    const openai = `${GW}/openai`;
    expect(gatewayTarget(`${openai}/v1/images/generations`, openai, "openai")).toBe(
      `${openai}/images/generations`,
    );
    const replicate = `${GW}/replicate`;
    expect(gatewayTarget(`${replicate}/v1/predictions/abc`, replicate, "replicate")).toBe(
      `${replicate}/predictions/abc`,
    );
    const ideogram = `${GW}/ideogram`;
    expect(gatewayTarget(`${ideogram}/v1/ideogram-v3/generate`, ideogram, "ideogram")).toBe(
      `${ideogram}/v1/ideogram-v3/generate`,
    );
  });

  it("leaves a URL off the gateway alone (a CDN image, a look-alike prefix)", () => {
    const openai = `${GW}/openai`;
    expect(
      gatewayTarget("https://oaidalleapiprodscus.blob.core.windows.net/x.png", openai, "openai"),
    ).toBeNull();
    expect(gatewayTarget(`${GW}/openai-evil/v1/x`, openai, "openai")).toBeNull();
  });
});

describe("which providers go through", () => {
  const stored: StoredAiGateway = {
    accountId: ACCOUNT,
    gatewayId: "images-prod",
    providers: ["openai", "workers-ai"],
    cacheTtlSeconds: null,
    skipCache: false,
    tokenCiphertext: null,
  };
  it("only the providers the instance listed, and never one the gateway does not proxy", () => {
    expect(gatewayFor(stored, "openai")).toBe(stored);
    expect(gatewayFor(stored, "replicate")).toBeNull();
    expect(gatewayFor({ ...stored, providers: [...stored.providers] }, "stability")).toBeNull();
    expect(gatewayFor(null, "openai")).toBeNull();
  });
});

describe("cf-aig headers", () => {
  it("always carries the metadata; the token only when set", () => {
    expect(gatewayHeaders(call, "POST")).toEqual({
      "cf-aig-metadata": '{"instance_id":"ins_1","job_id":"job_1"}',
    });
    expect(gatewayHeaders({ ...call, token: "t0k" }, "POST")["cf-aig-authorization"]).toBe("Bearer t0k");
  });

  it("sends the cache TTL on generations, skip-cache when asked, and skip-cache on every poll", () => {
    const ttl = { ...call, cacheTtlSeconds: 3600 };
    expect(gatewayHeaders(ttl, "POST")["cf-aig-cache-ttl"]).toBe("3600");
    expect(gatewayHeaders(ttl, "POST")["cf-aig-skip-cache"]).toBeUndefined();
    expect(gatewayHeaders(ttl, "GET")).toMatchObject({ "cf-aig-skip-cache": "true" });
    expect(gatewayHeaders(ttl, "GET")["cf-aig-cache-ttl"]).toBeUndefined();
    expect(gatewayHeaders({ ...ttl, skipCache: true }, "POST")).toMatchObject({
      "cf-aig-skip-cache": "true",
    });
  });

  it("keeps the first 5 metadata entries (the gateway drops the rest) and leaves out absent ones", () => {
    const many = gatewayMetadata({ a: "1", b: undefined, c: "3", d: "4", e: "5", f: "6", g: "7" });
    expect(many).toEqual({ a: "1", c: "3", d: "4", e: "5", f: "6" });
  });

  it("gives Workers AI the same settings as its binding's gateway option", () => {
    expect(workersAiGatewayOption({ ...call, cacheTtlSeconds: 60 })).toEqual({
      id: "images-prod",
      cacheTtl: 60,
      metadata: call.metadata,
    });
    expect(workersAiGatewayOption({ ...call, cacheTtlSeconds: 60, skipCache: true })).toEqual({
      id: "images-prod",
      skipCache: true,
      metadata: call.metadata,
    });
  });
});

describe("gatewayFetch", () => {
  function recorder() {
    const seen: { url: string; method: string; headers: Headers }[] = [];
    const inner = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      seen.push({ url: req.url, method: req.method, headers: req.headers });
      return new Response("{}", { headers: { "cf-aig-log-id": "log-1", "cf-aig-cache-status": "MISS" } });
    }) as typeof fetch;
    return { seen, inner };
  }

  it("maps the path, adds the cf-aig headers, keeps the adapter's own, and reports the gateway's answer", async () => {
    const { seen, inner } = recorder();
    const answers: unknown[] = [];
    const f = gatewayFetch(inner, { ...call, token: "t0k" }, "openai", (a) => answers.push(a));
    await f(`${GW}/openai/v1/images/generations`, {
      method: "POST",
      headers: { Authorization: "Bearer sk-provider" },
      body: "{}",
    });
    expect(seen[0]?.url).toBe(`${GW}/openai/images/generations`);
    expect(seen[0]?.headers.get("authorization")).toBe("Bearer sk-provider");
    expect(seen[0]?.headers.get("cf-aig-authorization")).toBe("Bearer t0k");
    expect(JSON.parse(seen[0]?.headers.get("cf-aig-metadata") ?? "null")).toEqual(call.metadata);
    expect(answers).toEqual([{ logId: "log-1", cacheStatus: "MISS", status: 200 }]);
  });

  it("sends an image download from a provider CDN as it is, with no cf-aig header", async () => {
    const { seen, inner } = recorder();
    const f = gatewayFetch(inner, { ...call, token: "t0k" }, "replicate");
    await f("https://replicate.delivery/pbxt/out-0.png", { method: "GET" });
    expect(seen[0]?.url).toBe("https://replicate.delivery/pbxt/out-0.png");
    const names: string[] = [];
    seen[0]?.headers.forEach((_, name) => {
      names.push(name);
    });
    expect(names.filter((k) => k.startsWith("cf-aig"))).toEqual([]);
  });
});
