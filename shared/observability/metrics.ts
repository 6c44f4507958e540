// The data points written to Workers Analytics Engine (docs/observability.md has the layout and
// queries). One dataset, one layout for every event: blob1 names the event, index1 is the
// instance (the sampling key), blob2 the provider (or the HTTP method), blob3/blob4 what happened,
// double1 a duration in ms, double2 a count. Writing one is no D1 statement and no Durable Object
// request: it goes to the writer of the current scope (context.ts), a no-op outside one.
import { currentScope } from "./context";
import type { DataPoint } from "./metrics-writer";

export const metricEvents = ["job", "provider_error", "pacing_wait", "request"] as const;
export type MetricEvent = (typeof metricEvents)[number];

const TERMINAL = new Set(["succeeded", "failed", "canceled", "dead_lettered"]);
/** No instance (an unauthenticated request): index1 is never empty. */
const NONE = "-";

function point(event: MetricEvent, index: string | null, blobs: string[], doubles: number[]): DataPoint {
  return { indexes: [index ?? NONE], blobs: [event, ...blobs], doubles };
}

function write(p: DataPoint): void {
  try {
    currentScope().metrics.writeDataPoint(p);
  } catch {
    // Metrics never fail the work they describe.
  }
}

/** A job row as a state change left it (transition()'s RETURNING); only terminal ones count. */
export interface JobChange {
  status: string;
  instanceId: string;
  provider: string | null;
  type?: string;
  attempts: number;
  createdAt: number;
}

/** `job`: outcome, provider, instance; double1 the time from creation to the outcome. */
export function jobOutcomePoint(job: JobChange, now: number): DataPoint | null {
  if (!TERMINAL.has(job.status)) return null;
  const blobs = [job.provider ?? NONE, job.status, job.type ?? NONE];
  return point("job", job.instanceId, blobs, [Math.max(0, now - job.createdAt), job.attempts]);
}

export function recordJobChange(job: JobChange | undefined, now: number): void {
  const p = job ? jobOutcomePoint(job, now) : null;
  if (p) write(p);
}

/** What a provider error says of itself (shared/providers/errors.ts ProviderError, in part). */
export interface ProviderErrorLike {
  code: string;
  retryable: boolean;
}

/** `provider_error`: the error code per provider, retryable or final; double2 the attempt it ended. */
export function providerErrorPoint(
  instanceId: string,
  provider: string,
  error: ProviderErrorLike,
  attempt: number,
): DataPoint {
  const blobs = [provider, error.code, error.retryable ? "retryable" : "final"];
  return point("provider_error", instanceId, blobs, [0, attempt]);
}

export function recordProviderError(
  instanceId: string,
  provider: string,
  error: ProviderErrorLike,
  attempt: number,
): void {
  write(providerErrorPoint(instanceId, provider, error, attempt));
}

export type PacingAnswer =
  | { granted: true; waitMs: number }
  | { granted: false; retryAfterMs: number; reason: string };

/**
 * `pacing_wait`: a slot granted after a wait in-process (`inline`), or refused and the message
 * deferred to the queue (`deferred`, with the refusal's reason); double1 the wait. A slot granted
 * at once writes nothing.
 */
export function pacingWaitPoint(
  instanceId: string,
  provider: string,
  answer: PacingAnswer,
): DataPoint | null {
  if (answer.granted)
    return answer.waitMs > 0
      ? point("pacing_wait", instanceId, [provider, "inline", NONE], [answer.waitMs, 1])
      : null;
  return point("pacing_wait", instanceId, [provider, "deferred", answer.reason], [answer.retryAfterMs, 1]);
}

export function recordPacingWait(instanceId: string, provider: string, answer: PacingAnswer): void {
  const p = pacingWaitPoint(instanceId, provider, answer);
  if (p) write(p);
}

export interface RequestMetric {
  instanceId: string | null;
  method: string;
  /** The route's pattern (`/v1/jobs/:id`), never the path: ids would make every row distinct. */
  route: string;
  status: number;
  durationMs: number;
}

/** `request`: one per producer request; double1 its duration, double2 its status. */
export function requestPoint(r: RequestMetric): DataPoint {
  return point("request", r.instanceId, [r.method, r.route, String(r.status)], [r.durationMs, r.status]);
}

export function recordRequest(r: RequestMetric): void {
  write(requestPoint(r));
}
