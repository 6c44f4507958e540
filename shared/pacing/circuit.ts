// Pure circuit breaker for one instance+provider. It stops a failing provider from eating the
// whole queue's retry budget: after `failureThreshold` consecutive retryable failures the
// circuit opens; after `cooldownMs` one probe call is let through; its result decides.

export type CircuitStatus = "closed" | "open" | "half_open";

export interface CircuitState {
  status: CircuitStatus;
  /** Consecutive retryable failures while closed. */
  failures: number;
  /** Epoch ms the circuit last opened; null when closed. */
  openedAt: number | null;
  /** While half open: epoch ms until which the current probe holds the single slot. */
  probeUntil: number | null;
}

export interface CircuitConfig {
  failureThreshold: number;
  cooldownMs: number;
  /** How long a probe that never reports holds the slot; defaults to cooldownMs. */
  probeTimeoutMs?: number;
}

export interface PassResult {
  allowed: boolean;
  state: CircuitState;
  /** True when this call is the half-open probe. */
  probe: boolean;
  /** Ms until a call may pass again; 0 when allowed. */
  retryAfterMs: number;
}

export const closedCircuit = (): CircuitState => ({
  status: "closed",
  failures: 0,
  openedAt: null,
  probeUntil: null,
});

const opened = (now: number): CircuitState => ({
  status: "open",
  failures: 0,
  openedAt: now,
  probeUntil: null,
});

export function canPass(state: CircuitState, cfg: CircuitConfig, now: number): PassResult {
  if (state.status === "closed") return { allowed: true, state, probe: false, retryAfterMs: 0 };
  const probeTimeout = cfg.probeTimeoutMs ?? cfg.cooldownMs;
  if (state.status === "open") {
    const waitMs = (state.openedAt ?? now) + cfg.cooldownMs - now;
    if (waitMs > 0) return { allowed: false, state, probe: false, retryAfterMs: waitMs };
  } else if (state.probeUntil !== null && now < state.probeUntil) {
    // Exactly one probe at a time; a probe whose caller vanished frees the slot at probeUntil.
    return { allowed: false, state, probe: false, retryAfterMs: state.probeUntil - now };
  }
  const next: CircuitState = { ...state, status: "half_open", probeUntil: now + probeTimeout };
  return { allowed: true, state: next, probe: true, retryAfterMs: 0 };
}

/** Only retryable failures count: a 4xx for a bad prompt says nothing about provider health. */
export function recordFailure(state: CircuitState, cfg: CircuitConfig, now: number): CircuitState {
  if (state.status === "half_open") return opened(now);
  // Late results of calls started before the break must not extend the cooldown.
  if (state.status === "open") return state;
  const failures = state.failures + 1;
  return failures >= cfg.failureThreshold ? opened(now) : { ...state, failures };
}

export function recordSuccess(state: CircuitState): CircuitState {
  // While open, a late success of a call started before the break does not cut the cooldown.
  return state.status === "open" ? state : closedCircuit();
}

/** A probe that never reached the provider (or failed permanently) frees the slot, no verdict. */
export function releaseProbe(state: CircuitState): CircuitState {
  return state.status === "half_open" ? { ...state, probeUntil: null } : state;
}
