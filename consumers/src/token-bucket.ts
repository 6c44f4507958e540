// One object per `instance:{id}:provider:{name}`: token bucket + in-flight leases + circuit
// breaker. The logic lives in shared/pacing and the SQL in pacing-store.ts; this class only
// loads, decides, and persists.
//
// Limits: the consumer passes the instance's limits inline with every `acquire` (they come from
// D1 and may change at any time). The last limits seen are stored, so `release`, `checkIn` and
// the idle alarm work without them.
import { DurableObject } from "cloudflare:workers";
import {
  type BucketConfig,
  fullBucket,
  isFull,
  refill,
  bookingHorizonMs,
  checkDue,
  reserve,
} from "../../shared/pacing/bucket";
import {
  type CircuitConfig,
  canPass,
  closedCircuit,
  recordFailure,
  recordSuccess,
  releaseProbe,
} from "../../shared/pacing/circuit";
import { outranked } from "../../shared/pacing/priority";
import { jitterMs, jitterSafeConfig, type LatenessSample, recordLateness } from "../../shared/pacing/jitter";
import {
  acquire as acquireLease,
  inFlightWeight,
  type Lease,
  release as releaseLease,
} from "../../shared/pacing/in-flight";
import { type CallReport, type CallStats, minuteOf } from "../../shared/metrics/calls";
import { percentile } from "../../shared/metrics/histogram";
import { type BucketRange, isValidRange, MINUTE_MS } from "../../shared/metrics/window";
import type { CircuitHealth } from "../../shared/providers/selection";
import { METRICS_FLUSH_MS, MetricsStore } from "./metrics-store";
import { PacingStore } from "./pacing-store";
import type {
  AcquireRequest,
  AcquireResponse,
  CheckInResponse,
  Pacing,
  PacingLimits,
  ReleaseOutcome,
  ResolvedLimits,
} from "./pacing-types";
import { TextTokens } from "./text-tokens";
import { ReleaseSignal, timer } from "./waiting";

/**
 * failureThreshold: consecutive retryable failures that open the circuit. An outage fails every
 * call, so any small number finds it; the number must be large enough that a merely flaky
 * provider does not trip it. At a 27% failure rate (the soak's), 5 in a row happen about once
 * per 700 calls (each trip idles the instance for a cooldown); 10 in a row once per ~500,000.
 */
export const PACING_DEFAULTS = { leaseTtlMs: 5 * 60_000, failureThreshold: 10, cooldownMs: 30_000 };
/** State untouched this long (no leases, bucket full, circuit closed) is deleted by the alarm. */
export const IDLE_TTL_MS = 15 * 60_000;

/** Whether waiting can still help: a slot may be released, or a booking fit, within `leftMs`. */
function mayWait(
  answer: AcquireResponse,
  leftMs: number,
): answer is Extract<AcquireResponse, { granted: false }> {
  if (answer.granted || answer.reason === "circuit_open" || leftMs <= 0) return false;
  return answer.reason === "in_flight" || answer.retryAfterMs <= leftMs;
}

/** The recent window `health` reads latency over, the current minute included. */
export const HEALTH_WINDOW_MINUTES = 15;

/** The longest a caller may wait in `acquire`, whatever it asks. */
export const MAX_BOOKING_MS = 10_000;
/** A slot is usually released long before its lease expires, so ask callers to look again soon. */
const IN_FLIGHT_RETRY_CAP_MS = 2_000;

const bucketConfig = (l: ResolvedLimits): BucketConfig => ({
  capacity: l.burst,
  ratePerSecond: l.ratePerSecond,
});
const circuitConfig = (l: ResolvedLimits): CircuitConfig => ({
  failureThreshold: l.failureThreshold,
  cooldownMs: l.cooldownMs,
  // The probe holds its slot as long as its lease could live.
  probeTimeoutMs: l.leaseTtlMs,
});

export class TokenBucket extends DurableObject<ConsumerEnv> {
  /** null: never configured, or cleaned up by the idle alarm. */
  private pacing: Pacing | null = null;
  private leases: Lease[] = [];
  private alarmAt: number | null = null;
  private readonly store: PacingStore;
  /** What the calls paced here did, per minute and hour, for GET /v1/admin/metrics (metrics-store.ts). */
  private readonly callMetrics: MetricsStore;
  /**
   * How late booked callers checked in lately (jitter.ts). Kept in memory only: it is a reading
   * of the last seconds, and an object that was evicted starts again from none.
   */
  private lateness: LatenessSample[] = [];
  /** Wakes the callers waiting in `acquire` for an in-flight slot. */
  private readonly released = new ReleaseSignal();
  /** Text calls' tokens per minute, and what each live text lease took (text-tokens.ts). */
  private textTokens!: TextTokens;
  /**
   * The callers waiting in `acquire` right now, by lease id, with their priority: a slot that
   * frees goes to the highest of them (shared/pacing/priority.ts). In memory, as the waits are.
   */
  private readonly waiting = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: ConsumerEnv) {
    super(ctx, env);
    this.store = new PacingStore(ctx.storage);
    this.callMetrics = new MetricsStore(ctx.storage);
    void ctx.blockConcurrencyWhile(async () => {
      ({ pacing: this.pacing, leases: this.leases } = this.store.load());
      this.textTokens = new TextTokens(this.store);
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /**
   * Circuit, then bucket, then in-flight. A caller willing to wait (`maxWaitMs`) books the next
   * rate token when it falls due within the booking horizon, and is otherwise held here until
   * it can: until a booking fits, or a release frees an in-flight slot (the slot goes to a waiter
   * at once, where a caller polling every so often would leave it idle in between; with calls
   * that take seconds, as image generation does, in flight is what binds). A denial changes nothing.
   */
  async acquire(req: AcquireRequest): Promise<AcquireResponse> {
    const budgetMs = Math.min(Math.max(0, req.maxWaitMs ?? 0), MAX_BOOKING_MS);
    const started = Date.now();
    const first = await this.tryAcquire(req, budgetMs);
    if (!mayWait(first, budgetMs)) return first;
    // Most calls are answered above; only a caller that will wait pays for a timer.
    const deadline = timer(budgetMs);
    let answer: AcquireResponse = first;
    this.waiting.set(req.leaseId, req.priority ?? 0);
    try {
      for (;;) {
        const retry =
          !answer.granted && answer.reason === "rate" ? timer(answer.retryAfterMs, "retry") : null;
        const woke = await Promise.race([retry?.elapsed ?? this.released.next(), deadline.elapsed]);
        retry?.cancel();
        // Out of time (or a slot freed by lease expiry, which signals nothing): one last look.
        if (woke === "deadline") return await this.tryAcquire(req, 0);
        const leftMs = Math.max(0, budgetMs - (Date.now() - started));
        answer = await this.tryAcquire(req, leftMs);
        if (!mayWait(answer, leftMs)) return answer;
      }
    } finally {
      deadline.cancel();
      this.waiting.delete(req.leaseId);
      // A caller that may have outranked the others leaves: they try again at once.
      if ((req.priority ?? 0) !== 0) this.released.fire();
    }
  }

  private async tryAcquire(req: AcquireRequest, maxWaitMs: number): Promise<AcquireResponse> {
    const now = Date.now();
    const pacing = this.withLimits(req.limits, now);
    const pass = canPass(pacing.circuit, circuitConfig(pacing.limits), now);
    if (!pass.allowed) {
      // Half open, the probe holds the slot until its lease would expire (minutes), but usually
      // answers within seconds: callers look again soon, as for in-flight waits.
      const halfOpen = pass.state.status === "half_open";
      const retryAfterMs = halfOpen ? Math.min(pass.retryAfterMs, IN_FLIGHT_RETRY_CAP_MS) : pass.retryAfterMs;
      return { granted: false, retryAfterMs, reason: "circuit_open" };
    }
    const tpm = req.limits.tokensPerMinute;
    const tokens = tpm && req.tokens ? this.textTokens.take(tpm, req.tokens, now) : null;
    if (tokens && !tokens.allowed)
      return { granted: false, retryAfterMs: tokens.retryAfterMs, reason: "rate" };
    // A slot goes to the highest priority waiting for one; the others wait on or are deferred.
    if (this.waiting.size > 0 && outranked(this.waiting, req.leaseId, req.priority ?? 0))
      return { granted: false, retryAfterMs: IN_FLIGHT_RETRY_CAP_MS, reason: "in_flight" };
    const config = this.answerConfig(pacing.limits, now);
    const booked = reserve(pacing.bucket, config, now, bookingHorizonMs(config, maxWaitMs));
    if (!booked.granted) return { granted: false, retryAfterMs: booked.retryAfterMs, reason: "rate" };
    // The slot is held from the booking on, and lives as long after the call as any other.
    const lease = acquireLease(this.leases, now, {
      max: pacing.limits.maxInFlight,
      ttlMs: pacing.limits.leaseTtlMs + booked.waitMs,
      leaseId: req.leaseId,
      weight: req.weight,
    });
    if (!lease.granted) {
      const retryAfterMs = Math.min(lease.retryAfterMs, IN_FLIGHT_RETRY_CAP_MS);
      return { granted: false, retryAfterMs, reason: "in_flight" };
    }

    const probeLeaseId = pass.probe ? req.leaseId : pacing.probeLeaseId;
    this.leases = lease.leases;
    this.store.saveLease(lease.lease, now);
    // Holds of leases that expired unreleased (a crashed consumer) have nothing left to refund.
    this.textTokens.prune((id) => this.leases.some((held) => held.id === id));
    if (tpm && tokens?.allowed) this.textTokens.hold(req.leaseId, tokens, tpm);
    await this.commit({
      ...pacing,
      bucket: booked.state,
      circuit: pass.state,
      probeLeaseId,
      lastActiveAt: now,
    });
    return {
      granted: true,
      leaseId: req.leaseId,
      leaseExpiresAt: lease.lease.expiresAt,
      probe: pass.probe,
      waitMs: booked.waitMs,
      dueAt: now + booked.waitMs,
    };
  }

  /**
   * Frees the slot and feeds the breaker, and counts the call's report (`call`: how it went, for
   * the metrics) in memory, written by the alarm within METRICS_FLUSH_MS. Idempotent: an unknown
   * (already released or expired and dropped) lease changes nothing, so a retried RPC cannot free
   * or count twice.
   */
  async release(
    leaseId: string,
    outcome: ReleaseOutcome,
    call?: CallReport,
    tokensUsed?: number,
  ): Promise<{ released: boolean }> {
    const now = Date.now();
    const { leases, released } = releaseLease(this.leases, leaseId);
    if (!released || !this.pacing) return { released: false };
    this.textTokens.release(leaseId, outcome, tokensUsed, now);
    const pacing = this.pacing;
    const isProbe = pacing.probeLeaseId === leaseId;
    const cfg = circuitConfig(pacing.limits);
    let circuit = pacing.circuit;
    if (outcome === "success") circuit = recordSuccess(circuit);
    else if (outcome === "retryable_failure") circuit = recordFailure(circuit, cfg, now);
    else if (isProbe) circuit = releaseProbe(circuit);
    // A call that never reached the provider keeps its token spent: the bookings made after it
    // were timed with it spent, and giving it back would book a later caller onto one of them.
    this.leases = leases;
    this.store.deleteLease(leaseId);
    const probeLeaseId = isProbe ? null : pacing.probeLeaseId;
    const next = { ...pacing, circuit, probeLeaseId, lastActiveAt: now };
    // Most releases change nothing worth a row: a success on a closed, healthy circuit. Only
    // lastActiveAt moves, and the acquire that took this lease stored one recent enough for the
    // idle alarm. So write only a change of the circuit or the probe.
    if (probeLeaseId !== pacing.probeLeaseId || !sameCircuit(circuit, pacing.circuit))
      await this.commit(next);
    else this.pacing = next;
    this.released.fire();
    if (call) {
      this.callMetrics.record(now, call);
      // One alarm per flush interval, not one per call: a pending one that comes sooner is kept.
      const flushAt = now + METRICS_FLUSH_MS;
      if (this.alarmAt === null || this.alarmAt > flushAt) await this.schedule(flushAt);
    }
    return { released: true };
  }

  /**
   * The calls paced here, summed into the range's buckets (zero-filled): what GET
   * /v1/admin/metrics reads, one request per provider per page view. Writes nothing. A range of
   * other than whole minutes (or of too many buckets) gets no buckets at all.
   */
  async metrics(range: BucketRange): Promise<CallStats[]> {
    if (!isValidRange(range)) return [];
    return this.callMetrics.buckets(range);
  }

  /**
   * What provider selection needs (shared/providers/selection.ts): whether a call may pass now, and
   * the p50 time to terminal of the jobs that ended here over the last HEALTH_WINDOW_MINUTES (null
   * with none). Reads at most that many minute rows; writes nothing, so asking does not change the
   * circuit (a half-open answer means a probe may pass, not that one was taken).
   */
  async health(): Promise<{ circuit: CircuitHealth; p50Ms: number | null }> {
    const now = Date.now();
    const to = minuteOf(now) + MINUTE_MS;
    const bucketMs = HEALTH_WINDOW_MINUTES * MINUTE_MS;
    const [stats] = this.callMetrics.buckets({ from: to - bucketMs, to, bucketMs, count: 1 });
    const p50Ms = stats ? percentile(stats.terminalMs, 0.5) : null;
    const p = this.pacing;
    if (!p) return { circuit: "closed", p50Ms };
    const pass = canPass(p.circuit, circuitConfig(p.limits), now);
    return { circuit: !pass.allowed ? "open" : pass.probe ? "half_open" : "closed", p50Ms };
  }

  /**
   * A granted caller checks in right before its call, with the due time `acquire` gave it, and
   * is judged by this object's clock (bucket.ts `checkDue`): due, early (wait more), or too late
   * (booked the next token; its in-flight slot stays held, its lease outlives any such wait).
   * How late it is also tells how unevenly calls leave the consumers (jitter.ts).
   */
  async checkIn(dueAt: number): Promise<CheckInResponse> {
    const now = Date.now();
    const pacing = this.pacing;
    // No state: never configured, or cleaned up as idle (never while a lease lives): a full bucket.
    if (!pacing) return { kind: "due" };
    this.lateness = recordLateness(this.lateness, dueAt, now);
    const check = checkDue(pacing.bucket, this.answerConfig(pacing.limits, now), dueAt, now);
    if (check.kind !== "rebooked") return check;
    await this.commit({ ...pacing, bucket: check.state, lastActiveAt: now });
    return { kind: "rebooked", dueAt: check.dueAt, waitMs: check.waitMs };
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.alarmAt = null;
    this.callMetrics.flush(now);
    const p = this.pacing;
    const idle =
      !p ||
      (inFlightWeight(this.leases, now) === 0 &&
        p.circuit.status === "closed" &&
        isFull(p.bucket, bucketConfig(p.limits), now) &&
        now - p.lastActiveAt >= IDLE_TTL_MS);
    if (!idle) {
      await this.schedule(Math.max(p.lastActiveAt + IDLE_TTL_MS, now + 60_000));
      return;
    }
    // A fresh object behaves exactly like this one would: full bucket, closed circuit, no leases.
    // Metrics outlive the pacing state until they expire; then everything goes.
    this.pacing = null;
    this.leases = [];
    const metricsExpireAt = this.callMetrics.expiresAt();
    if (metricsExpireAt === null || metricsExpireAt <= now) {
      await this.store.clear();
      this.callMetrics.forget();
      return;
    }
    this.store.clearPacing();
    await this.schedule(metricsExpireAt);
  }

  /** Applies new limits after refilling under the old rate, so a change is not applied backwards. */
  private withLimits(limits: PacingLimits, now: number): Pacing {
    const current = this.pacing;
    const next: ResolvedLimits = {
      ratePerSecond: limits.ratePerSecond,
      burst: limits.burst,
      maxInFlight: limits.maxInFlight,
      leaseTtlMs: limits.leaseTtlMs ?? PACING_DEFAULTS.leaseTtlMs,
      failureThreshold: limits.failureThreshold ?? PACING_DEFAULTS.failureThreshold,
      cooldownMs: limits.cooldownMs ?? PACING_DEFAULTS.cooldownMs,
    };
    if (!current) {
      const bucket = fullBucket(bucketConfig(next), now);
      return { limits: next, bucket, circuit: closedCircuit(), probeLeaseId: null, lastActiveAt: now };
    }
    const bucket = refill(current.bucket, this.answerConfig(current.limits, now), now);
    return { ...current, limits: next, bucket };
  }

  /**
   * The limits answers are given under: the instance's, narrowed while callers' lateness varies,
   * so that calls reaching the provider late by that much still keep to the instance's limits.
   */
  private answerConfig(limits: ResolvedLimits, now: number): BucketConfig {
    return jitterSafeConfig(bucketConfig(limits), jitterMs(this.lateness, now));
  }

  private async commit(p: Pacing): Promise<void> {
    this.store.savePacing(p);
    this.pacing = p;
    // A later alarm (metrics expiry) must not hold off the idle check.
    const idleAt = p.lastActiveAt + IDLE_TTL_MS;
    if (this.alarmAt === null || this.alarmAt > idleAt) await this.schedule(idleAt);
  }

  private async schedule(at: number): Promise<void> {
    await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }
}

function sameCircuit(a: Pacing["circuit"], b: Pacing["circuit"]): boolean {
  return (
    a.status === b.status &&
    a.failures === b.failures &&
    a.openedAt === b.openedAt &&
    a.probeUntil === b.probeUntil
  );
}
