// Throughput: N jobs with an instant provider, end to end (first POST sent -> last job finished),
// and the same N messages through the bare baseline (a Worker that only sends, a consumer that
// only acknowledges, the same batch settings) on the same machine, in the same run.
import { closedLoop, type LoadResult } from "./load";
import { apiClient, type StateReader, terminalCount, waitForTerminal } from "./observe";
import { round, roundSummary, summarize } from "./stats";

export interface ThroughputFigures {
  jobs: number;
  concurrency: number;
  accepted: number;
  enqueueSeconds: number;
  enqueuePerSecond: number;
  enqueueLatencyMs: ReturnType<typeof roundSummary>;
  endToEndSeconds: number;
  jobsPerSecond: number;
  statuses?: Record<string, number>;
  completed: number;
  /** Jobs-queue batches during the run (miniflare delivers one batch at a time per queue). */
  batches?: ReturnType<BatchLog["summary"]>;
}

function enqueueFigures(load: LoadResult) {
  const seconds = (load.endedAt - load.startedAt) / 1000;
  const accepted = load.calls.filter((c) => c.ok).length;
  return {
    accepted,
    enqueueSeconds: round(seconds, 2),
    enqueuePerSecond: round(accepted / seconds, 1),
    enqueueLatencyMs: roundSummary(summarize(load.calls.map((c) => c.latencyMs))),
  };
}

export async function genqueueThroughput(
  baseUrl: string,
  apiKey: string,
  instanceId: string,
  state: StateReader,
  jobs: number,
  concurrency: number,
  deadlineMs: number,
): Promise<ThroughputFigures> {
  const client = apiClient(baseUrl, apiKey);
  const load = await closedLoop(jobs, concurrency, async (i) => {
    const res = await client.createJob({
      type: "image.generate",
      provider: "ideogram",
      input: { prompt: `bench throughput ${i}`, seed: i },
    });
    await res.body?.cancel();
    return { ok: res.status === 202, status: res.status };
  });
  const enq = enqueueFigures(load);
  const waited = await waitForTerminal(state, [instanceId], enq.accepted, deadlineMs);
  const [last] = state.query<{ at: number | null }>(
    "SELECT max(completed_at) AS at FROM jobs WHERE instance_id = ?",
    instanceId,
  );
  const end = waited.done ? (last?.at ?? waited.at) : waited.at;
  const seconds = (end - load.startedAt) / 1000;
  const completed = terminalCount(waited.counts);
  return {
    jobs,
    concurrency,
    ...enq,
    endToEndSeconds: round(seconds, 2),
    jobsPerSecond: round(completed / seconds, 1),
    statuses: waited.counts,
    completed,
  };
}

// Strips ANSI colour codes from a wrangler output line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\u001b\[[0-9;]*m/g;

export interface QueueLine {
  queue: string;
  acked: number;
  total: number;
  /** How long the consumer took over the batch, when printed. */
  ms?: number;
}

/** `QUEUE <queue> <acked>/<total> (<ms>ms)` lines, as miniflare prints one per batch. */
export function parseQueueLine(line: string): QueueLine | null {
  const m = /QUEUE (\S+) (\d+)\/(\d+)(?: \((\d+)ms\))?/.exec(line.replace(ANSI, ""));
  if (!m) return null;
  return { queue: m[1]!, acked: Number(m[2]), total: Number(m[3]), ...(m[4] ? { ms: Number(m[4]) } : {}) };
}

/** Batches of one queue as miniflare reports them: how many, how big, how long each took. */
export class BatchLog {
  private batches: QueueLine[] = [];
  private armed = false;

  constructor(private readonly queue: string) {}

  onLine = (line: string) => {
    if (!this.armed) return;
    const q = parseQueueLine(line);
    if (q && q.queue === this.queue) this.batches.push(q);
  };

  arm(): void {
    this.batches = [];
    this.armed = true;
  }

  summary() {
    this.armed = false;
    const ms = this.batches.flatMap((b) => (b.ms === undefined ? [] : [b.ms]));
    return {
      batches: this.batches.length,
      messages: this.batches.reduce((s, b) => s + b.total, 0),
      meanBatchSize: round(
        this.batches.reduce((s, b) => s + b.total, 0) / Math.max(1, this.batches.length),
        2,
      ),
      batchMs: roundSummary(summarize(ms)),
      /** Share of the wall time the queue spent inside its consumer (one batch at a time locally). */
      busyMs: ms.reduce((s, v) => s + v, 0),
    };
  }
}

/** Counts acknowledged messages of one queue from wrangler's output, with the time each batch ended. */
export class AckCounter {
  acked = 0;
  lastAt = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(private readonly queue: string) {}

  onLine = (line: string) => {
    const q = parseQueueLine(line);
    if (!q || q.queue !== this.queue) return;
    this.acked += q.acked;
    this.lastAt = Date.now();
    this.waiters = this.waiters.filter((w) => {
      if (this.acked < w.n) return true;
      w.resolve();
      return false;
    });
  };

  /** Resolves once n messages were acknowledged; false when the deadline came first. */
  waitFor(n: number, deadlineMs: number): Promise<boolean> {
    if (this.acked >= n) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      });
    });
  }
}

export async function baselineThroughput(
  baseUrl: string,
  acks: AckCounter,
  jobs: number,
  concurrency: number,
  deadlineMs: number,
): Promise<ThroughputFigures> {
  const load = await closedLoop(jobs, concurrency, async (i) => {
    const res = await fetch(`${baseUrl}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "image.generate", input: { prompt: `bench throughput ${i}`, seed: i } }),
    });
    await res.body?.cancel();
    return { ok: res.status === 202, status: res.status };
  });
  const enq = enqueueFigures(load);
  const done = await acks.waitFor(enq.accepted, deadlineMs);
  const end = done ? acks.lastAt : Date.now();
  const seconds = (end - load.startedAt) / 1000;
  return {
    jobs,
    concurrency,
    ...enq,
    endToEndSeconds: round(seconds, 2),
    jobsPerSecond: round(acks.acked / seconds, 1),
    completed: acks.acked,
  };
}
