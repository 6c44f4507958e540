// Which provider a job uses now, and which one it moves to when that one cannot serve it. Pure.
import type { ProviderName } from "./enums";

export interface ChainSource {
  requestedProvider: string | null;
  fallbackProviders: string[] | null;
  /** The provider the job is on (set at claim or by a fallback move); null before its first run. */
  provider: string | null;
}

/** [requested or default, ...the job's fallbacks, else the instance's], without repeats. */
export function providerChain(
  job: ChainSource,
  instanceFallbacks: readonly string[] | null,
  defaultProvider: ProviderName,
  isKnown: (name: string) => name is ProviderName,
): ProviderName[] {
  const first =
    job.requestedProvider && isKnown(job.requestedProvider) ? job.requestedProvider : defaultProvider;
  const rest = (job.fallbackProviders ?? instanceFallbacks ?? []).filter(isKnown);
  return [...new Set([first, ...rest])];
}

export function currentProvider(job: ChainSource, chain: readonly ProviderName[]): ProviderName {
  const onChain = chain.find((name) => name === job.provider);
  return onChain ?? chain[0]!;
}

export function nextProvider(chain: readonly ProviderName[], current: ProviderName): ProviderName | null {
  const index = chain.indexOf(current);
  return index >= 0 ? (chain[index + 1] ?? null) : null;
}

/** The event that records a strategy's choice (consumers/src/select-provider.ts). */
export const SELECTION_EVENT = "provider_selected";

/**
 * The chain a strategy job's selection recorded, or null before its first selection: every later
 * delivery (retry, fallback move, lease takeover, replay) runs along the same chain.
 */
export function recordedChain(
  job: { events: readonly { type: string; data: Record<string, unknown> | null }[] },
  isKnown: (name: string) => name is ProviderName,
): ProviderName[] | null {
  const event = job.events.findLast((e) => e.type === SELECTION_EVENT);
  const chain = event?.data?.chain;
  if (!Array.isArray(chain)) return null;
  const known = chain.filter((name): name is ProviderName => typeof name === "string" && isKnown(name));
  return known.length > 0 ? known : null;
}

/** The chosen provider, then the job's own fallbacks, else the rest of the ranking. */
export function strategyChain(
  ranked: readonly ProviderName[],
  jobFallbacks: readonly string[] | null,
  isKnown: (name: string) => name is ProviderName,
): ProviderName[] {
  const [chosen, ...rest] = ranked;
  if (!chosen) return [];
  return [...new Set([chosen, ...(jobFallbacks ? jobFallbacks.filter(isKnown) : rest)])];
}
