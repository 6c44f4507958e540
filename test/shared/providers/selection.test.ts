// Provider selection with plain data: the ranking of each strategy, who is left out and why, the
// recorded chain, and the candidates the Worker's env and a job's input make.
import { describe, expect, it } from "vitest";
import { recordedChain, strategyChain } from "../../../shared/jobs/provider-chain";
import { acceptsInput, staticCandidates } from "../../../shared/providers/candidates";
import { tierOf } from "../../../shared/providers/quality-tiers";
import { isProviderName } from "../../../shared/providers/registry";
import {
  type Candidate,
  isProviderStrategy,
  rankProviders,
  selectionReason,
} from "../../../shared/providers/selection";

const candidate = (provider: Candidate["provider"], over: Partial<Candidate> = {}): Candidate => ({
  provider,
  model: "m",
  configured: true,
  acceptsInput: true,
  costUsd: 0.05,
  tier: "standard",
  p50Ms: null,
  circuit: "closed",
  ...over,
});
const order = (r: ReturnType<typeof rankProviders>) => r.ranked.map((c) => c.provider);

describe("rankProviders", () => {
  it("cheapest: lowest estimated cost first", () => {
    const r = rankProviders("cheapest", [
      candidate("openai", { costUsd: 0.042 }),
      candidate("stability", { costUsd: 0.03 }),
      candidate("replicate", { costUsd: 0.003 }),
    ]);
    expect(order(r)).toEqual(["replicate", "stability", "openai"]);
    expect(r.ranked[0]).toEqual({
      provider: "replicate",
      model: "m",
      cost_usd: 0.003,
      p50_ms: null,
      circuit: "closed",
    });
  });

  it("cheapest: equal costs keep the registry's order", () => {
    const r = rankProviders("cheapest", [candidate("stability"), candidate("ideogram"), candidate("openai")]);
    expect(order(r)).toEqual(["ideogram", "openai", "stability"]);
  });

  it("fastest: lowest p50 first, unknown latency after every known one, in the registry's order", () => {
    const r = rankProviders("fastest", [
      candidate("stability", { p50Ms: null }),
      candidate("openai", { p50Ms: 9_000 }),
      candidate("ideogram", { p50Ms: null }),
      candidate("replicate", { p50Ms: 2_500 }),
    ]);
    expect(order(r)).toEqual(["replicate", "openai", "ideogram", "stability"]);
  });

  it("fastest: ignores cost", () => {
    const r = rankProviders("fastest", [
      candidate("replicate", { p50Ms: 4_000, costUsd: 0.001 }),
      candidate("openai", { p50Ms: 3_000, costUsd: 0.2 }),
    ]);
    expect(order(r)).toEqual(["openai", "replicate"]);
  });

  it("leaves out an open circuit, an unconfigured provider and one that cannot take the input, saying why", () => {
    const r = rankProviders("cheapest", [
      candidate("replicate", { costUsd: 0.003, circuit: "open" }),
      candidate("ideogram", { costUsd: 0.01, configured: false }),
      candidate("workers-ai", { costUsd: 0.001, acceptsInput: false }),
      candidate("stability", { costUsd: 0.03 }),
    ]);
    expect(order(r)).toEqual(["stability"]);
    expect(r.excluded).toEqual([
      { provider: "replicate", reason: "circuit_open" },
      { provider: "ideogram", reason: "not_configured" },
      { provider: "workers-ai", reason: "unsupported_input" },
    ]);
  });

  it("ranks a half-open circuit after every closed one, whatever its cost", () => {
    const r = rankProviders("cheapest", [
      candidate("replicate", { costUsd: 0.003, circuit: "half_open" }),
      candidate("openai", { costUsd: 0.04 }),
    ]);
    expect(order(r)).toEqual(["openai", "replicate"]);
  });

  it("a quality tier keeps only that tier's providers, the cheapest of them first", () => {
    const r = rankProviders("quality:high", [
      candidate("openai", { tier: "high", costUsd: 0.042 }),
      candidate("stability", { tier: "high", costUsd: 0.08 }),
      candidate("replicate", { tier: "draft", costUsd: 0.003 }),
    ]);
    expect(order(r)).toEqual(["openai", "stability"]);
    expect(r.excluded).toEqual([{ provider: "replicate", reason: "other_tier" }]);
  });

  it("says why the first one won, or that none was eligible", () => {
    const cheap = rankProviders("cheapest", [candidate("stability", { costUsd: 0.03 })]);
    expect(selectionReason("cheapest", cheap)).toBe("lowest estimated cost ($0.03) of 1 eligible");
    const fast = rankProviders("fastest", [candidate("openai", { p50Ms: 1200 }), candidate("demo")]);
    expect(selectionReason("fastest", fast)).toBe(
      "lowest observed p50 time to terminal (1200 ms) of 2 eligible",
    );
    const none = rankProviders("cheapest", [candidate("openai", { configured: false })]);
    expect(selectionReason("cheapest", none)).toMatch(/no eligible provider/);
  });
});

describe("strategies", () => {
  it("accepts the strategies and nothing else", () => {
    for (const s of ["cheapest", "fastest", "quality:draft", "quality:standard", "quality:high"])
      expect(isProviderStrategy(s)).toBe(true);
    for (const s of ["quality:ultra", "demo", "Cheapest", "", null])
      expect(isProviderStrategy(s)).toBe(false);
  });
});

describe("chains", () => {
  it("the ranking's rest becomes the fallback chain unless the job has its own", () => {
    expect(strategyChain(["replicate", "openai", "demo"], null, isProviderName)).toEqual([
      "replicate",
      "openai",
      "demo",
    ]);
    expect(strategyChain(["replicate", "openai"], ["stability", "replicate"], isProviderName)).toEqual([
      "replicate",
      "stability",
    ]);
    expect(strategyChain([], null, isProviderName)).toEqual([]);
  });

  it("reads the newest provider_selected event's chain back, and nothing before one", () => {
    const event = (type: string, data: Record<string, unknown> | null) => ({ type, data });
    expect(recordedChain({ events: [event("queued", null)] }, isProviderName)).toBeNull();
    const events = [
      event("queued", null),
      event("provider_selected", { chain: ["openai", "demo"] }),
      event("provider_selected", { chain: ["stability", "nonsense"] }),
    ];
    expect(recordedChain({ events }, isProviderName)).toEqual(["stability"]);
  });
});

describe("candidates from the env", () => {
  const input = { prompt: "p", aspect_ratio: "1x1", num_images: 1 } as const;

  it("a provider without its key is not configured; the demo only where it is the default", () => {
    const env = { STABILITY_API_KEY: "sk" };
    const byName = (list: Candidate[]) => new Map(list.map((c) => [c.provider, c]));
    const asDefault = byName(staticCandidates(env, input, "demo"));
    expect(asDefault.get("stability")?.configured).toBe(true);
    expect(asDefault.get("openai")?.configured).toBe(false);
    expect(asDefault.get("demo")?.configured).toBe(true);
    expect(byName(staticCandidates(env, input, "stability")).get("demo")?.configured).toBe(false);
  });

  it("prices and tiers the configured model", () => {
    const env = { STABILITY_API_KEY: "sk", STABILITY_MODEL: "ultra", OPENAI_MODEL: "dall-e-2" };
    const two = { ...input, num_images: 2 };
    const list = staticCandidates(env, two, "demo");
    expect(list.find((c) => c.provider === "stability")).toMatchObject({
      model: "ultra",
      costUsd: 0.16,
      tier: "high",
    });
    expect(list.find((c) => c.provider === "openai")).toMatchObject({ model: "dall-e-2", tier: "draft" });
    expect(tierOf("replicate", "owner/unknown:abc")).toBe("standard");
  });

  it("an instance's own price per image replaces the list price", () => {
    const env = { STABILITY_API_KEY: "sk" };
    const two = { ...input, num_images: 2 };
    const own = new Map([["stability", 0.011]]);
    const list = staticCandidates(env, two, "demo", own);
    expect(list.find((c) => c.provider === "stability")?.costUsd).toBe(0.022);
    expect(list.find((c) => c.provider === "openai")?.costUsd).toBe(0.084);
  });

  it("a provider cannot take a ratio or a count beyond its capabilities; FLUX on Workers AI draws 1x1 only", () => {
    expect(acceptsInput("stability", "core", { ...input, aspect_ratio: "4x3" })).toBe(false);
    expect(acceptsInput("openai", "gpt-image-1", { ...input, num_images: 5 })).toBe(false);
    expect(acceptsInput("ideogram", "V_3", { ...input, num_images: 5 })).toBe(true);
    expect(
      acceptsInput("workers-ai", "@cf/black-forest-labs/flux-1-schnell", { ...input, aspect_ratio: "16x9" }),
    ).toBe(false);
    expect(
      acceptsInput("workers-ai", "@cf/stabilityai/stable-diffusion-xl-base-1.0", {
        ...input,
        aspect_ratio: "16x9",
      }),
    ).toBe(true);
  });
});
