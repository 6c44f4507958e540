// The budget arithmetic of one instance, pure and clock-injected: the month's settled spend, the
// reservations of jobs in flight, and which alert thresholds this month has already crossed. The
// Budget object (consumers/src/budget-object.ts) only loads, calls these and stores the result.
//
// The promise: a reservation is refused when spent + reserved + estimate would pass a hard limit,
// so concurrent enqueues can overshoot a limit only by what the jobs in flight cost beyond their
// estimates, never by a new job's whole estimate.

/** A job's estimate held from its enqueue until its end (or until it expires). */
export interface Reservation {
  jobId: string;
  projectId: string;
  amountUsd: number;
  expiresAt: number;
}

export interface BudgetState {
  /** UTC calendar month, `YYYY-MM`, the spend below belongs to. */
  month: string;
  spentUsd: number;
  projectSpentUsd: Record<string, number>;
  reservations: Reservation[];
  /** Thresholds (percent) whose alert this month already sent. */
  alerted: number[];
  /** Jobs settled lately, with when to forget them: a repeated settle counts once. */
  settled: Record<string, number>;
}

export interface BudgetLimits {
  /** The instance's monthly hard limit in USD; null: none (only project limits apply). */
  monthlyUsd: number | null;
  /** Per-project monthly hard limits in USD. */
  projectUsd: Record<string, number>;
  /** Alert percentages of the instance limit, ascending, e.g. [50, 80, 100]. */
  thresholds: number[];
}

export const DEFAULT_THRESHOLDS = [50, 80, 100];
/** A reservation whose job never reported back is dropped after this: a job's lease is 5 min, its retries a few more. */
export const RESERVATION_TTL_MS = 6 * 60 * 60_000;

/** `YYYY-MM` of `now`, in UTC. */
export function monthOf(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}

/** Midnight UTC of the first day of the month after `now`. */
export function nextMonthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function emptyBudget(now: number): BudgetState {
  return {
    month: monthOf(now),
    spentUsd: 0,
    projectSpentUsd: {},
    reservations: [],
    alerted: [],
    settled: {},
  };
}

/** Cents and below as float noise: keep six decimals. */
const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

/**
 * Moves to `now`'s month (spend and alerts start again; jobs in flight keep their reservations,
 * their cost lands in the month they end in) and drops expired reservations and settle records.
 */
export function advance(state: BudgetState, now: number): BudgetState {
  const month = monthOf(now);
  const fresh =
    month === state.month ? state : { ...state, month, spentUsd: 0, projectSpentUsd: {}, alerted: [] };
  const reservations = fresh.reservations.filter((r) => r.expiresAt > now);
  const settled = Object.fromEntries(Object.entries(fresh.settled).filter(([, until]) => until > now));
  return { ...fresh, reservations, settled };
}

export function reservedUsd(state: BudgetState, projectId?: string): number {
  const held = state.reservations.filter((r) => projectId === undefined || r.projectId === projectId);
  return round(held.reduce((sum, r) => sum + r.amountUsd, 0));
}

export type ReserveResult =
  | { ok: true; state: BudgetState }
  | { ok: false; scope: "instance" | "project"; limitUsd: number; committedUsd: number };

/** Holds `amountUsd` for the job, or refuses when the instance's or its project's limit would pass. */
export function reserve(
  state: BudgetState,
  limits: BudgetLimits,
  job: { jobId: string; projectId: string; amountUsd: number },
  now: number,
): ReserveResult {
  const current = advance(state, now);
  // The same job again (a retried request): it already holds its estimate.
  if (current.reservations.some((r) => r.jobId === job.jobId)) return { ok: true, state: current };
  const committed = round(current.spentUsd + reservedUsd(current));
  if (limits.monthlyUsd !== null && committed + job.amountUsd > limits.monthlyUsd) {
    return { ok: false, scope: "instance", limitUsd: limits.monthlyUsd, committedUsd: committed };
  }
  const projectLimit = limits.projectUsd[job.projectId];
  if (projectLimit !== undefined) {
    const projectCommitted = round(
      (current.projectSpentUsd[job.projectId] ?? 0) + reservedUsd(current, job.projectId),
    );
    if (projectCommitted + job.amountUsd > projectLimit) {
      return { ok: false, scope: "project", limitUsd: projectLimit, committedUsd: projectCommitted };
    }
  }
  const reservation = { ...job, amountUsd: round(job.amountUsd), expiresAt: now + RESERVATION_TTL_MS };
  return { ok: true, state: { ...current, reservations: [...current.reservations, reservation] } };
}

export interface SettleResult {
  state: BudgetState;
  /** Thresholds this settle crossed for the first time this month, ascending. */
  crossed: number[];
}

/**
 * The job ended: its reservation goes and its actual cost (0 for a failure or cancel) is spent.
 * A job settled again (a repeated report) counts once. `projectId` is needed when the
 * reservation is gone (expired, or a month ago) but the job still cost something.
 */
export function settle(
  state: BudgetState,
  limits: BudgetLimits,
  job: { jobId: string; projectId: string; actualUsd: number },
  now: number,
): SettleResult {
  const current = advance(state, now);
  if (current.settled[job.jobId] !== undefined) return { state: current, crossed: [] };
  const cost = Math.max(0, round(job.actualUsd));
  const spentUsd = round(current.spentUsd + cost);
  const projectSpentUsd =
    cost > 0
      ? {
          ...current.projectSpentUsd,
          [job.projectId]: round((current.projectSpentUsd[job.projectId] ?? 0) + cost),
        }
      : current.projectSpentUsd;
  const crossed = crossedThresholds(spentUsd, limits, current.alerted);
  return {
    state: {
      ...current,
      spentUsd,
      projectSpentUsd,
      reservations: current.reservations.filter((r) => r.jobId !== job.jobId),
      alerted: [...current.alerted, ...crossed].sort((a, b) => a - b),
      settled: { ...current.settled, [job.jobId]: now + RESERVATION_TTL_MS },
    },
    crossed,
  };
}

/** Thresholds `spentUsd` reaches that have not alerted yet. No instance limit: none. */
export function crossedThresholds(spentUsd: number, limits: BudgetLimits, alerted: number[]): number[] {
  const limit = limits.monthlyUsd;
  if (limit === null) return [];
  return [...limits.thresholds]
    .sort((a, b) => a - b)
    .filter((pct) => !alerted.includes(pct) && spentUsd >= round((limit * pct) / 100));
}

export interface SpendView {
  month: string;
  spentUsd: number;
  reservedUsd: number;
  /** Left under the instance limit after spend and reservations; null without a limit. */
  remainingUsd: number | null;
  inFlight: number;
  projects: { projectId: string; spentUsd: number; reservedUsd: number; limitUsd: number | null }[];
}

export function spendView(state: BudgetState, limits: BudgetLimits, now: number): SpendView {
  const current = advance(state, now);
  const reserved = reservedUsd(current);
  const ids = new Set([
    ...Object.keys(current.projectSpentUsd),
    ...current.reservations.map((r) => r.projectId),
    ...Object.keys(limits.projectUsd),
  ]);
  return {
    month: current.month,
    spentUsd: current.spentUsd,
    reservedUsd: reserved,
    remainingUsd:
      limits.monthlyUsd === null ? null : Math.max(0, round(limits.monthlyUsd - current.spentUsd - reserved)),
    inFlight: current.reservations.length,
    projects: [...ids].sort().map((projectId) => ({
      projectId,
      spentUsd: current.projectSpentUsd[projectId] ?? 0,
      reservedUsd: reservedUsd(current, projectId),
      limitUsd: limits.projectUsd[projectId] ?? null,
    })),
  };
}

/** When the object must next look at its state: the first reservation expiry or the month's end. */
export function nextWakeAt(state: BudgetState, now: number): number {
  const expiries = [...state.reservations.map((r) => r.expiresAt), ...Object.values(state.settled)];
  return Math.min(nextMonthStart(now), ...expiries);
}
