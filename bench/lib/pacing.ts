// Pacing fidelity: a backlog of jobs for instances limited to R calls/s, each instance's calls
// going to its own strict fake Ideogram: a token bucket of R/s whose capacity (`--fake-burst`,
// default 2) is the provider's tolerance. With capacity 1 any call that arrives a millisecond
// early (network jitter after our bucket granted it on time) is "over the limit"; capacity 2
// tolerates one request of jitter while still refusing any sustained rate above R. Figures per fake: calls/s over the steady window / R, calls over the limit, the most
// calls in any 1 s window, and the time to drain the backlog.
import { startIdeogramFake } from "../../test/fakes/ideogram";
import { callTimes } from "../../test/fakes/knobs";
import type { RunningFake } from "../../test/fakes/server";
import { closedLoop } from "./load";
import { apiClient, type StateReader, waitForTerminal } from "./observe";
import { gaps, maxInWindow, round, steadyRate, summarize, roundSummary } from "./stats";
import type { SeededTenant } from "./tenant";

export interface PacingFakes {
  /** instance name -> its fake (one provider account each). */
  byTenant: Map<string, { fake: RunningFake; apiKey: string }>;
  close(): Promise<void>;
}

export const FAKE_LATENCY_MS = 50;

export async function startPacingFakes(names: string[], rate: number, burst = 2): Promise<PacingFakes> {
  const byTenant = new Map<string, { fake: RunningFake; apiKey: string }>();
  for (const [i, name] of names.entries()) {
    const apiKey = `bench-ideogram-key-${name}`;
    const fake = await startIdeogramFake({
      apiKey,
      knobs: { rateLimit: { ratePerSecond: rate, burst }, latencyMs: FAKE_LATENCY_MS, seed: 100 + i },
    });
    byTenant.set(name, { fake, apiKey });
  }
  return {
    byTenant,
    close: async () => {
      await Promise.all([...byTenant.values()].map((f) => f.fake.close()));
    },
  };
}

export interface ProviderAccountFigures {
  tenant: string;
  limitPerSecond: number;
  calls: number;
  callsByStatus: Record<string, number>;
  overLimitCalls: number;
  steadyWindowSeconds: number;
  steadyCallsPerSecond: number;
  /** steady calls/s divided by the limit (goal >= 0.98). */
  ratio: number;
  maxCallsInAnyOneSecond: number;
  /** Calls answered 200 per second, first call to last: what the limit actually bought. */
  acceptedCallsPerSecond: number;
  gapMs: ReturnType<typeof roundSummary>;
}

export interface PacingScenarioResult {
  scenario: string;
  description: string;
  rate: number;
  jobs: number;
  drainSeconds: number;
  statuses: Record<string, number>;
  accounts: ProviderAccountFigures[];
  /** Per project of the instance: jobs succeeded (scenario "two projects"). */
  perProject?: Record<string, number>;
  /** With --trace-pacing: where the time between a granted slot and the provider's arrival goes. */
  trace?: SlotToCallTrace;
  pass: boolean;
}

function accountFigures(tenant: string, fake: RunningFake, rate: number): ProviderAccountFigures {
  const stats = fake.stats();
  const times = callTimes(stats);
  const steady = steadyRate(times, 1000);
  const perSecond = steady?.ratePerSecond ?? 0;
  return {
    tenant,
    limitPerSecond: rate,
    calls: stats.generateCalls,
    callsByStatus: stats.callsByStatus,
    overLimitCalls: stats.overLimitCalls,
    steadyWindowSeconds: round((steady?.windowMs ?? 0) / 1000, 2),
    steadyCallsPerSecond: round(perSecond, 3),
    ratio: round(perSecond / rate, 4),
    maxCallsInAnyOneSecond: maxInWindow(times, 1000),
    acceptedCallsPerSecond: round(
      (stats.callsByStatus["200"] ?? 0) / Math.max(0.001, (Math.max(...times) - Math.min(...times)) / 1000),
      3,
    ),
    gapMs: roundSummary(summarize(gaps(times))),
  };
}

export interface PacingRun {
  scenario: string;
  description: string;
  /** Which tenants take part, and how many jobs each of their projects gets. */
  parts: { tenant: SeededTenant; jobsPerProject: number }[];
}

export async function runPacingScenario(
  baseUrl: string,
  state: StateReader,
  fakes: PacingFakes,
  rate: number,
  run: PacingRun,
  deadlineMs: number,
): Promise<PacingScenarioResult> {
  const instanceIds = [...new Set(run.parts.map((p) => p.tenant.instanceId))];
  const work: { projectIndex: number; client: ReturnType<typeof apiClient>; tenant: string }[] = [];
  for (const part of run.parts) {
    for (const [pi, project] of part.tenant.projects.entries()) {
      const client = apiClient(baseUrl, project.apiKey);
      for (let j = 0; j < part.jobsPerProject; j++)
        work.push({ projectIndex: pi, client, tenant: part.tenant.name });
    }
  }
  // Interleave tenants and projects so every bucket has a backlog from the start.
  work.sort((a, b) => a.projectIndex - b.projectIndex);
  const order = interleave(work, (w) => `${w.tenant}:${w.projectIndex}`);
  const started = Date.now();
  const enqueue = await closedLoop(order.length, 10, async (i) => {
    const w = order[i]!;
    const res = await w.client.createJob({
      type: "image.generate",
      provider: "ideogram",
      input: { prompt: `bench pacing ${run.scenario} ${i}`, aspect_ratio: "1x1" },
    });
    await res.body?.cancel();
    return { ok: res.status === 202, status: res.status };
  });
  const rejected = enqueue.calls.filter((c) => !c.ok).length;
  const waited = await waitForTerminal(state, instanceIds, order.length - rejected, deadlineMs);
  const drainSeconds = (waited.at - started) / 1000;

  const accounts = [...new Set(run.parts.map((p) => p.tenant.name))].map((name) =>
    accountFigures(name, fakes.byTenant.get(name)!.fake, rate),
  );
  let perProject: Record<string, number> | undefined;
  const multiProject = run.parts.find((p) => p.tenant.projects.length > 1);
  if (multiProject) {
    perProject = {};
    for (const row of state.query<{ project_id: string; n: number }>(
      "SELECT project_id, count(*) AS n FROM jobs WHERE instance_id = ? AND status = 'succeeded' GROUP BY project_id",
      multiProject.tenant.instanceId,
    )) {
      perProject[row.project_id] = row.n;
    }
  }
  const pass =
    waited.done &&
    rejected === 0 &&
    accounts.every((a) => a.ratio >= 0.98 && a.overLimitCalls === 0) &&
    (waited.counts.succeeded ?? 0) === order.length;
  return {
    scenario: run.scenario,
    description: run.description,
    rate,
    jobs: order.length,
    drainSeconds: round(drainSeconds, 2),
    statuses: waited.counts,
    accounts,
    ...(perProject ? { perProject } : {}),
    pass,
  };
}

/** Round-robin over groups, keeping each group's order. */
export function interleave<T>(items: T[], group: (item: T) => string): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = group(item);
    const list = groups.get(key) ?? [];
    list.push(item);
    groups.set(key, list);
  }
  const out: T[] = [];
  const lists = [...groups.values()];
  for (let i = 0; out.length < items.length; i++)
    for (const list of lists) if (i < list.length) out.push(list[i]!);
  return out;
}

export interface SlotToCallTrace {
  grants: number;
  providerCalls: number;
  arrivals: number;
  /** Gaps between consecutive grants as the consumer saw them (ms). */
  grantGapMs: ReturnType<typeof roundSummary>;
  /** Slot granted -> provider request started in the consumer (claim, keys, request building). */
  grantToFetchMs: ReturnType<typeof roundSummary>;
  /** Request started -> counted by the fake (runtime's outbound fetch, key router, body parse). */
  fetchToArrivalMs: ReturnType<typeof roundSummary>;
}

/**
 * Pairs grants, provider calls and arrivals in order (valid for one bucket: its calls are
 * serialised by the bucket, so the n-th grant is the n-th call, give or take a reordering).
 */
export function slotToCallTrace(
  traces: readonly { kind: string; at: number }[],
  arrivals: readonly number[],
): SlotToCallTrace {
  const grants = traces
    .filter((t) => t.kind === "grant")
    .map((t) => t.at)
    .sort((a, b) => a - b);
  const fetches = traces
    .filter((t) => t.kind === "fetch")
    .map((t) => t.at)
    .sort((a, b) => a - b);
  const sorted = [...arrivals].sort((a, b) => a - b);
  const n = Math.min(grants.length, fetches.length, sorted.length);
  return {
    grants: grants.length,
    providerCalls: fetches.length,
    arrivals: sorted.length,
    grantGapMs: roundSummary(summarize(gaps(grants))),
    grantToFetchMs: roundSummary(summarize(fetches.slice(0, n).map((f, i) => f - grants[i]!))),
    fetchToArrivalMs: roundSummary(summarize(sorted.slice(0, n).map((a, i) => a - fetches[i]!))),
  };
}
