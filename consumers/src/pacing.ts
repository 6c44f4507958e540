// The consumer's side of pacing: find the instance's limits, ask the instance+provider's
// TokenBucket for a slot, wait in-process when the wait is short, and hand back the lease.
import type { Db } from "../../shared/db/client";
import { type InstanceSettings, loadInstanceSettings } from "../../shared/db/queries/instance-settings";
import type { ProviderName } from "../../shared/jobs/enums";
import { type CallReport, jobEnd } from "../../shared/metrics/calls";
import { bucketName } from "../../shared/pacing/object-name";
import { ProviderError } from "../../shared/providers/errors";
import { TtlCache } from "../../shared/ttl-cache";
import { getProvider } from "../../shared/providers/registry";
import { isTextInput, type JobInput } from "../../shared/jobs/job-input";
import { effectivePriority } from "../../shared/pacing/priority";
import { estimateTokens } from "../../shared/providers/text";
import { log } from "./log";
import { recordPacingWait } from "../../shared/observability/metrics";
import type {
  AcquireDenial,
  AcquireResponse,
  CheckInResponse,
  PacingLimits,
  ReleaseOutcome,
} from "./pacing-types";

const settingsCache = new TtlCache<InstanceSettings>(30_000);

/** Instance settings change rarely; a 30 s cache per isolate saves a D1 round trip per job. */
export async function instanceSettings(db: Db, instanceId: string, now: number): Promise<InstanceSettings> {
  const hit = settingsCache.get(instanceId, now);
  if (hit) return hit;
  const settings = await loadInstanceSettings(db, instanceId);
  settingsCache.set(instanceId, settings, now);
  return settings;
}

export { bucketName };

export function limitsFor(
  settings: InstanceSettings,
  provider: ProviderName,
  leaseTtlMs: number,
): PacingLimits {
  const own = settings.limits.get(provider);
  const defaults = getProvider(provider).defaultLimits;
  return {
    ratePerSecond: own?.ratePerSecond ?? defaults.ratePerSecond,
    burst: own?.burst ?? defaults.burst,
    maxInFlight: own?.maxInFlight ?? defaults.maxInFlight,
    leaseTtlMs,
    ...tokensPerMinute(own?.tokensPerMinute, getProvider(provider).text?.defaultTokensPerMinute),
  };
}

/** The instance's own tokens-per-minute limit, else the provider's default; absent when neither. */
function tokensPerMinute(own: number | null | undefined, fallback: number | undefined) {
  const tpm = own ?? fallback;
  return tpm ? { tokensPerMinute: tpm } : {};
}

/**
 * The request's priority field, for a job that has one (a workflow's, not 0): every other job asks
 * as before, at 0, so pacing without workflows is exactly what it was.
 */
function withPriority(priority: number, createdAt: number | undefined, now: number) {
  return priority !== 0 ? { priority: effectivePriority(priority, createdAt ?? now, now) } : {};
}

export interface GrantedGate {
  kind: "granted";
  leaseId: string;
  /**
   * Resolves when the slot's rate token falls due; call the provider right after. It sleeps, then
   * checks in with the bucket, whose clock judges (bucket.ts `checkDue`): this isolate's own
   * clock cannot see that it stalled. A caller later than `lateToleranceMs` past its due time is
   * booked the next token and waits again: calling late would bunch its call with the ones booked
   * after it, and a provider counts calls as they arrive. So a provider sees at most
   * burst + max(1, burst / 4) calls in any window.
   */
  untilDue(): Promise<void>;
  /**
   * Frees the slot. With `call` (how a call that ran went: its cost, or its error), the release
   * also carries the call's report for the metrics (shared/metrics/calls.ts), at no request of its own.
   */
  release(outcome: ReleaseOutcome, call?: CallDetail): Promise<void>;
}
/** How a call went, for the metrics; a text call's reported token usage goes back to its bucket. */
export type CallDetail = { costUsd: number; tokensUsed?: number } | { error: unknown };
export type Gate = GrantedGate | { kind: "denied"; retryAfterMs: number; reason: AcquireDenial };

export interface GateRequest {
  namespace: ConsumerEnv["TOKEN_BUCKET"];
  instanceId: string;
  provider: ProviderName;
  input: JobInput;
  limits: PacingLimits;
  /** Longest total in-process wait before giving the message back to the queue. */
  maxInlineWaitMs: number;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** The job the slot is for, so that a release can report the call (metrics). */
  job?: { createdAt: number; canFallBack: boolean };
  /** Its workflow's priority from the queue message (0 outside workflows): see shared/pacing/priority.ts. */
  priority?: number;
  /** How long a pacing object's answer may take beyond the wait it was asked to hold (tests). */
  rpcGraceMs?: number;
}

/**
 * An answer of the pacing object comes in well under a second, or after the in-flight wait it
 * was asked to hold. One that never comes (an object stuck, a lost connection) must not hold the
 * queue batch until its wall-time limit: past this grace the caller goes on without it.
 */
const RPC_GRACE_MS = 10_000;

/** `promise`, or `fallback()` if it has not settled within `ms` (the promise is left to settle). */
export async function within<T>(promise: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The metrics report of a call that ran (none for a call that never reached the provider). */
export function callReport(
  outcome: ReleaseOutcome,
  call: CallDetail,
  job: { createdAt: number; canFallBack: boolean },
  now: number,
): CallReport | undefined {
  if (outcome === "not_called") return undefined;
  // A failure that is no ProviderError (the pacing object or the runtime failing) never reached
  // the provider: the job is retried, and the call is not counted.
  const error = "error" in call ? call.error : null;
  if (error !== null && !(error instanceof ProviderError)) return undefined;
  return {
    outcome,
    ended: jobEnd(outcome, error, job.canFallBack),
    ageMs: Math.max(0, now - job.createdAt),
    costUsd: "costUsd" in call ? call.costUsd : 0,
  };
}

/** Re-bookings before a caller that keeps waking late calls anyway (a machine that stalls). */
const MAX_REBOOKINGS = 3;
/** Check-ins before a caller calls anyway, so that no answer of the bucket can hold it forever. */
const MAX_CHECK_INS = 8;

/**
 * Asks for a slot willing to wait up to the inline budget: the bucket books the next rate token
 * when it falls due within it and holds the request until an in-flight slot frees. Longer waits,
 * and an open circuit, are the caller's. The caller prepares its call (claims the job, looks up
 * keys) while the token falls due, then waits out the rest in `untilDue`.
 */
export async function acquireSlot(req: GateRequest): Promise<Gate> {
  const { now } = req;
  const name = bucketName(req.instanceId, req.provider);
  const stub = req.namespace.getByName(name);
  const leaseId = crypto.randomUUID();
  const input = req.input;
  const weight = isTextInput(input) ? 1 : (getProvider(req.provider).inFlightUnits?.(input) ?? 1);
  const grace = req.rpcGraceMs ?? RPC_GRACE_MS;
  // No answer: the message goes back to the queue, costing no attempt. A slot granted after all
  // is a lease that expires on its own (leaseTtlMs).
  const noAnswer = (): AcquireResponse => {
    log("warn", "pacing: no answer from the pacing object; deferring", { bucket: name });
    return { granted: false, retryAfterMs: 1_000, reason: "pacing_unavailable" };
  };
  const tokens = isTextInput(input) ? estimateTokens(input).total : undefined;
  const answer: AcquireResponse = await within(
    stub.acquire({
      leaseId,
      weight,
      tokens,
      limits: req.limits,
      maxWaitMs: req.maxInlineWaitMs,
      ...withPriority(req.priority ?? 0, req.job?.createdAt, now()),
    }),
    req.maxInlineWaitMs + grace,
    noAnswer,
  );
  recordPacingWait(req.instanceId, req.provider, answer); // a wait or a deferral is a data point
  if (!answer.granted) return { kind: "denied", retryAfterMs: answer.retryAfterMs, reason: answer.reason };
  const answeredAt = now();
  return {
    kind: "granted",
    leaseId,
    untilDue: async () => {
      // A token due at once has no wait in which this isolate could stall: no check-in (and no
      // Durable Object request) is needed. The claim that runs meanwhile is one D1 statement.
      if (answer.waitMs <= 0) return;
      let dueAt = answer.dueAt;
      let wake = answeredAt + answer.waitMs;
      for (let checkIns = 0, rebooked = 0; ; ) {
        const leftMs = wake - now();
        if (leftMs > 0) await req.sleep(leftMs);
        if (rebooked === MAX_REBOOKINGS || checkIns === MAX_CHECK_INS) {
          log("warn", "pacing: calling without checking in again", { bucket: name, rebooked, checkIns });
          return;
        }
        // Unanswered: call now, as after MAX_CHECK_INS.
        const checkIn = stub.checkIn(dueAt) as Promise<CheckInResponse>;
        const check = await within<CheckInResponse>(checkIn, grace, () => ({ kind: "due" }));
        checkIns++;
        if (check.kind === "due") return;
        if (check.kind === "rebooked") [dueAt, rebooked] = [check.dueAt, rebooked + 1];
        wake = now() + check.waitMs;
      }
    },
    release: async (outcome, call) => {
      const report = call && req.job ? callReport(outcome, call, req.job, now()) : undefined;
      // Unanswered, the lease expires on its own; the job's outcome does not wait for it.
      const tokensUsed = call && "tokensUsed" in call ? call.tokensUsed : undefined;
      await within(stub.release(leaseId, outcome, report, tokensUsed), grace, () => {
        log("warn", "pacing: release unanswered; the lease will expire", { bucket: name });
        return { released: false };
      });
    },
  };
}
