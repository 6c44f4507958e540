// Provider selection by strategy: a job may ask for `cheapest`, `fastest` or a quality tier instead
// of naming a provider. The consumer describes every provider as a Candidate (configured here? can
// it take this input? its cost, quality tier, observed latency and circuit) and `rankProviders`
// orders the eligible ones and says why. Pure: the I/O is consumers/src/select-provider.ts.
import { type QualityTier, qualityTiers } from "./quality-tiers";
import { type ProviderName, providerNames } from "./names";

export const providerStrategies = [
  "cheapest",
  "fastest",
  ...qualityTiers.map((tier) => `quality:${tier}` as const),
] as const;
export type ProviderStrategy = (typeof providerStrategies)[number];

export function isProviderStrategy(value: string | null | undefined): value is ProviderStrategy {
  return (providerStrategies as readonly (string | null | undefined)[]).includes(value);
}

export type CircuitHealth = "closed" | "half_open" | "open";

export interface Candidate {
  provider: ProviderName;
  /** The model this instance runs the provider on (its configured one, else the adapter's default). */
  model: string;
  /** The Worker has its key or binding (registry.ts `providerConfigured`). */
  configured: boolean;
  /** Its capabilities take the job's input (aspect ratio, number of images, type). */
  acceptsInput: boolean;
  costUsd: number;
  tier: QualityTier;
  /** Observed p50 time to terminal over the recent window; null: no job ended there lately. */
  p50Ms: number | null;
  /** Whether a call may pass now (unknown before the health read: closed). */
  circuit: CircuitHealth;
}

export type ExclusionReason = "not_configured" | "unsupported_input" | "other_tier" | "circuit_open";

export interface RankedProvider {
  provider: ProviderName;
  model: string;
  cost_usd: number;
  p50_ms: number | null;
  circuit: CircuitHealth;
}

export interface Ranking {
  ranked: RankedProvider[];
  excluded: { provider: ProviderName; reason: ExclusionReason }[];
}

/** Why a candidate cannot serve the job before any health is known: no I/O is spent on it. */
export function staticExclusion(strategy: ProviderStrategy, c: Candidate): ExclusionReason | null {
  if (!c.configured) return "not_configured";
  if (!c.acceptsInput) return "unsupported_input";
  const tier = strategy.startsWith("quality:") ? strategy.slice("quality:".length) : null;
  if (tier !== null && c.tier !== tier) return "other_tier";
  return null;
}

/** Ties (and unknown latencies) fall back to the registry's order: stable and documented. */
const staticOrder = (p: ProviderName) => providerNames.indexOf(p);

/**
 * The eligible candidates, best first, and the others with why. A half-open circuit (a probe may
 * pass, nothing more) ranks after every closed one; then the strategy's key: cost for `cheapest`
 * and the quality tiers (the cheapest of the tier), p50 latency for `fastest` (known before
 * unknown); then the static order.
 */
export function rankProviders(strategy: ProviderStrategy, candidates: readonly Candidate[]): Ranking {
  const excluded: Ranking["excluded"] = [];
  const eligible: Candidate[] = [];
  for (const c of candidates) {
    const reason = staticExclusion(strategy, c) ?? (c.circuit === "open" ? "circuit_open" : null);
    if (reason) excluded.push({ provider: c.provider, reason });
    else eligible.push(c);
  }
  const key = (c: Candidate): number[] => [
    c.circuit === "half_open" ? 1 : 0,
    ...(strategy === "fastest" ? [c.p50Ms === null ? 1 : 0, c.p50Ms ?? 0] : [c.costUsd]),
    staticOrder(c.provider),
  ];
  const ranked = eligible
    .map((c) => ({ c, k: key(c) }))
    .sort((a, b) => compareKeys(a.k, b.k))
    .map(({ c }) => ({
      provider: c.provider,
      model: c.model,
      cost_usd: c.costUsd,
      p50_ms: c.p50Ms,
      circuit: c.circuit,
    }));
  return { ranked, excluded };
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** One line for the job's history: what decided the first place. */
export function selectionReason(strategy: ProviderStrategy, ranking: Ranking): string {
  const first = ranking.ranked[0];
  if (!first) return "no eligible provider: the instance default runs the job";
  const of = `of ${ranking.ranked.length} eligible`;
  if (strategy === "fastest")
    return first.p50_ms === null
      ? `no latency observed lately ${of}: first in the default order`
      : `lowest observed p50 time to terminal (${first.p50_ms} ms) ${of}`;
  const cost = `$${first.cost_usd}`;
  if (strategy === "cheapest") return `lowest estimated cost (${cost}) ${of}`;
  return `cheapest ${strategy.slice("quality:".length)}-tier provider (${cost}) ${of}`;
}
