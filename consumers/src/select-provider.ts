// The chain of providers a job runs along. A job naming a provider (or none) gets providerChain's.
// A job asking for a strategy (`cheapest`, `fastest`, `quality:<tier>`) is ranked once, at its
// first delivery, when prices (the instance's own, else list prices) and health are current; the
// choice is recorded as its `provider_selected` event (ranking, reason, chain) in the same UPDATE
// that sets its provider.
// Every later delivery reads that chain back, so a retried job never hops between rankings.
import { sql } from "drizzle-orm";
import type { InstanceSettings } from "../../shared/db/queries/instance-settings";
import { getJob, type JobRow } from "../../shared/db/queries/jobs";
import { instancePrices } from "../../shared/db/queries/provider-prices";
import { jobs } from "../../shared/db/schema";
import type { ProviderName } from "../../shared/jobs/enums";
import {
  providerChain,
  recordedChain,
  SELECTION_EVENT,
  strategyChain,
} from "../../shared/jobs/provider-chain";
import { transition } from "../../shared/jobs/transitions";
import { bucketName } from "../../shared/pacing/object-name";
import { staticCandidates } from "../../shared/providers/candidates";
import { isTextInput } from "../../shared/jobs/job-input";
import { defaultProviderFor, isProviderName, runsJobType } from "../../shared/providers/registry";
import {
  type Candidate,
  type CircuitHealth,
  isProviderStrategy,
  type ProviderStrategy,
  rankProviders,
  selectionReason,
  staticExclusion,
} from "../../shared/providers/selection";
import type { JobDeps } from "./job-deps";
import { log } from "./log";
import { within } from "./pacing";

/** A pacing object that does not answer this fast counts as unknown (closed, no latency). */
const HEALTH_RPC_MS = 2_000;

/** The job's chain, or null when the job changed under us (another delivery selected, a cancel). */
export async function jobChain(
  deps: JobDeps,
  job: JobRow,
  settings: InstanceSettings,
): Promise<ProviderName[] | null> {
  const env = deps.env as unknown as Record<string, unknown>;
  const fallback = defaultProviderFor(env, job.type);
  const strategy = job.requestedProvider;
  // Strategies rank image prices and tiers; the API refuses them for text jobs (create.ts).
  if (!isProviderStrategy(strategy) || isTextInput(job.input)) {
    const chain = providerChain(job, settings.fallbackProviders, fallback, isProviderName);
    // An instance's fallbacks may include image-only providers: a text job skips those.
    const runnable = chain.filter((name) => runsJobType(name, job.type));
    return runnable.length > 0 ? runnable : [fallback];
  }
  const recorded = recordedChain(job, isProviderName);
  if (recorded) return recorded;

  const prices = await instancePrices(deps.db, job.instanceId);
  const statics = staticCandidates(env, job.input, fallback, prices);
  const candidates = await withHealth(deps, job.instanceId, strategy, statics);
  const ranking = rankProviders(strategy, candidates);
  const ranked = ranking.ranked.map((r) => r.provider);
  // Nothing eligible: the job runs as one naming no provider would (its error then says why).
  const chain =
    ranked.length > 0
      ? strategyChain(ranked, job.fallbackProviders, isProviderName)
      : providerChain(
          { ...job, requestedProvider: null },
          settings.fallbackProviders,
          fallback,
          isProviderName,
        );
  const data = {
    strategy,
    chosen: chain[0],
    reason: selectionReason(strategy, ranking),
    ranking: ranking.ranked,
    excluded: ranking.excluded,
    chain,
  };
  const recordedNow = await transition(deps.db, {
    jobId: job.id,
    event: SELECTION_EVENT,
    from: ["queued"],
    // Once: a duplicate delivery that ranked meanwhile finds the event and reads its chain.
    where: sql`not exists (select 1 from json_each(${jobs.events}) where json_extract(value, '$.type') = ${SELECTION_EVENT})`,
    set: { provider: chain[0] },
    data,
    now: deps.now(),
  });
  if (recordedNow.applied) {
    log("info", "provider selected", { job_id: job.id, strategy, chosen: chain[0] });
    return chain;
  }
  const current = await getJob(deps.db, job.id);
  return current ? recordedChain(current, isProviderName) : null;
}

/**
 * Circuit and latency from each statically eligible candidate's pacing object: one read-only RPC
 * per provider that could serve the job, in parallel; none for the others.
 */
async function withHealth(
  deps: JobDeps,
  instanceId: string,
  strategy: ProviderStrategy,
  candidates: Candidate[],
): Promise<Candidate[]> {
  const unknown = { circuit: "closed" as CircuitHealth, p50Ms: null };
  return Promise.all(
    candidates.map(async (c) => {
      if (staticExclusion(strategy, c)) return c;
      const stub = deps.env.TOKEN_BUCKET.getByName(bucketName(instanceId, c.provider));
      const health = await within(
        stub.health().catch(() => unknown),
        HEALTH_RPC_MS,
        () => unknown,
      );
      return { ...c, circuit: health.circuit, p50Ms: health.p50Ms };
    }),
  );
}
