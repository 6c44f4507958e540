// Load generators: a closed loop (N calls, C at a time, as fast as the system answers) for
// backlogs, and an open loop (calls started on a fixed schedule whatever the answers do, so slow
// answers cannot lower the offered load and hide their own latency) for latency figures.
import { performance } from "node:perf_hooks";

export interface CallResult {
  ok: boolean;
  /** ms from the moment the call was started (open loop: its scheduled time) to its answer. */
  latencyMs: number;
  status?: number;
  error?: string;
}

export interface LoadResult {
  calls: CallResult[];
  startedAt: number;
  endedAt: number;
  /** Open loop only: how late calls started against their schedule (event-loop lag), ms. */
  startLagMs?: number[];
}

/** Runs `call(i)` for i in [0, n) with at most `concurrency` in flight. */
export async function closedLoop(
  n: number,
  concurrency: number,
  call: (i: number) => Promise<Omit<CallResult, "latencyMs">>,
): Promise<LoadResult> {
  const calls: CallResult[] = new Array(n);
  const startedAt = Date.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const t0 = performance.now();
      try {
        const r = await call(i);
        calls[i] = { ...r, latencyMs: performance.now() - t0 };
      } catch (error) {
        calls[i] = { ok: false, latencyMs: performance.now() - t0, error: String(error) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { calls, startedAt, endedAt: Date.now() };
}

/** Starts `call(i)` at i / ratePerSecond seconds for durationMs, without waiting for answers. */
export async function openLoop(
  ratePerSecond: number,
  durationMs: number,
  call: (i: number) => Promise<Omit<CallResult, "latencyMs">>,
): Promise<LoadResult> {
  const total = Math.floor((durationMs / 1000) * ratePerSecond);
  const interval = 1000 / ratePerSecond;
  const t0 = performance.now();
  const startedAt = Date.now();
  const pending: Promise<void>[] = [];
  const calls: CallResult[] = new Array(total);
  const startLagMs: number[] = new Array(total);
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    startLagMs[i] = Math.max(0, performance.now() - due);
    pending.push(
      (async () => {
        try {
          const r = await call(i);
          // Latency counts from the scheduled start: a late start is the system's (or the
          // generator's) delay too, and is reported separately as startLagMs.
          calls[i] = { ...r, latencyMs: performance.now() - due };
        } catch (error) {
          calls[i] = { ok: false, latencyMs: performance.now() - due, error: String(error) };
        }
      })(),
    );
  }
  await Promise.all(pending);
  return { calls, startedAt, endedAt: Date.now(), startLagMs };
}
