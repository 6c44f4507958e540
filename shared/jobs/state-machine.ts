// The job state machine as one table: for each state, the events it accepts and the state each
// leads to. `transition()` (transitions.ts) refuses any pair the table lacks, so a new code path
// cannot invent a move (such as running -> queued past a cancel request) without changing it here.
import type { JobEventType, JobStatus } from "./enums";

type Moves = Partial<Record<JobEventType, JobStatus>>;

export const jobStateTable = {
  queued: {
    running: "running", // a consumer claims it
    canceled: "canceled", // canceled before any consumer took it
    provider_fallback: "queued", // its provider's circuit is open: the next of its chain
    provider_selected: "queued", // a strategy (cheapest, fastest, a quality tier) picked its chain
    dead_lettered: "dead_lettered", // its message kept failing before any claim
  },
  running: {
    running: "running", // another delivery takes over an expired lease
    cancel_requested: "running", // the consumer ends it canceled at its next step
    succeeded: "succeeded",
    failed: "failed",
    canceled: "canceled",
    retry_scheduled: "queued",
    provider_fallback: "queued",
    dead_lettered: "dead_lettered",
  },
  succeeded: {},
  failed: {},
  canceled: {},
  dead_lettered: {
    replayed: "queued", // an operator replays it
  },
} as const satisfies Record<JobStatus, Moves>;

/** The state `event` leads to from `from`, or null when the table does not allow it. */
export function nextState(from: JobStatus, event: JobEventType): JobStatus | null {
  const moves: Moves = jobStateTable[from];
  return moves[event] ?? null;
}

/** Every state that accepts `event`. */
export function statesAccepting(event: JobEventType): JobStatus[] {
  return (Object.keys(jobStateTable) as JobStatus[]).filter((state) => nextState(state, event) !== null);
}

/**
 * The one state `event` leads to. Each event has a single target whatever its source, which lets
 * one conditional UPDATE (status IN sources) carry any transition.
 */
export function targetOf(event: JobEventType): JobStatus {
  const targets = new Set(statesAccepting(event).map((state) => nextState(state, event)));
  const [target, ...others] = [...targets];
  if (!target || others.length > 0) throw new Error(`event ${event} has no single target state`);
  return target;
}

/**
 * A cancel request wins over every other way out of `running` except success's own check: a job
 * whose cancel was asked must not go back to `queued` (no consumer would ever claim it) nor end
 * failed or dead-lettered; it ends `canceled`.
 */
export const eventsBlockedByCancelRequest: readonly JobEventType[] = [
  "running",
  "succeeded",
  "failed",
  "retry_scheduled",
  "provider_fallback",
  "provider_selected",
  "dead_lettered",
  "replayed",
];
