import { describe, expect, it } from "vitest";
import {
  type CircuitState,
  canPass,
  closedCircuit,
  recordFailure,
  recordSuccess,
  releaseProbe,
} from "../../../shared/pacing/circuit";

const T0 = 1_700_000_000_000;
const cfg = { failureThreshold: 3, cooldownMs: 10_000 };

function failTimes(n: number, state = closedCircuit(), now = T0): CircuitState {
  let s = state;
  for (let i = 0; i < n; i++) s = recordFailure(s, cfg, now);
  return s;
}

describe("circuit breaker", () => {
  it("stays closed below the threshold and a success resets the count", () => {
    const s = failTimes(2);
    expect(s).toMatchObject({ status: "closed", failures: 2 });
    expect(canPass(s, cfg, T0).allowed).toBe(true);
    expect(failTimes(2, recordSuccess(s)).status).toBe("closed");
  });

  it("opens after threshold consecutive failures and denies until the cooldown ends", () => {
    const s = failTimes(3);
    expect(s).toMatchObject({ status: "open", openedAt: T0 });
    expect(canPass(s, cfg, T0 + 9_999)).toMatchObject({ allowed: false, retryAfterMs: 1 });
  });

  it("lets exactly one probe through after the cooldown", () => {
    const probe = canPass(failTimes(3), cfg, T0 + 10_000);
    expect(probe).toMatchObject({ allowed: true, probe: true });
    expect(probe.state.status).toBe("half_open");
    const second = canPass(probe.state, cfg, T0 + 10_001);
    expect(second).toMatchObject({ allowed: false, probe: false });
  });

  it("closes when the probe succeeds", () => {
    const { state } = canPass(failTimes(3), cfg, T0 + 10_000);
    const closed = recordSuccess(state);
    expect(closed).toEqual(closedCircuit());
    expect(canPass(closed, cfg, T0 + 10_001)).toMatchObject({ allowed: true, probe: false });
  });

  it("reopens with a fresh cooldown when the probe fails", () => {
    const { state } = canPass(failTimes(3), cfg, T0 + 10_000);
    const reopened = recordFailure(state, cfg, T0 + 12_000);
    expect(reopened).toMatchObject({ status: "open", openedAt: T0 + 12_000 });
    expect(canPass(reopened, cfg, T0 + 21_999).allowed).toBe(false);
    expect(canPass(reopened, cfg, T0 + 22_000)).toMatchObject({ allowed: true, probe: true });
  });

  it("frees the probe slot without a verdict when the probe never reached the provider", () => {
    const { state } = canPass(failTimes(3), cfg, T0 + 10_000);
    const freed = releaseProbe(state);
    expect(freed.status).toBe("half_open");
    expect(canPass(freed, cfg, T0 + 10_001)).toMatchObject({ allowed: true, probe: true });
  });

  it("lets a new probe through once a silent probe times out", () => {
    const short = { ...cfg, probeTimeoutMs: 5_000 };
    const { state } = canPass(failTimes(3), short, T0 + 10_000);
    expect(canPass(state, short, T0 + 14_999).allowed).toBe(false);
    expect(canPass(state, short, T0 + 15_000).probe).toBe(true);
  });

  it("ignores late results while open, so the cooldown is neither cut nor extended", () => {
    const open = failTimes(3);
    expect(recordSuccess(open)).toBe(open);
    expect(recordFailure(open, cfg, T0 + 5_000)).toBe(open);
  });
});
