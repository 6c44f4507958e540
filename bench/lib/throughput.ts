// Throughput: N jobs with an instant provider, end to end (first POST sent -> last job finished),
// through genqueue, through the fair floor (bench/floor/: only the platform work a job cannot
// avoid) and through the bare baseline (a Worker that only sends, a consumer that only
// acknowledges), with the same batch settings on the same machine, in the same run. genqueue and
// the floor each deliver one webhook per job to a local receiver and are timed to the last
// completed_at in their D1; the baseline to the last acknowledged batch.
import { closedLoop, type LoadResult } from "./load";
import { pollState, type StateReader, terminalCount, waitForTerminal } from "./observe";
import { round, roundSummary, summarize } from "./stats";
import { waitForDeliveries, type WebhookReceiver } from "./webhook-receiver";

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
  /** Webhooks the receiver had within 30 s of the last completion (not part of the timing). */
  webhookDeliveries?: number;
  /** Jobs-queue batches during the run (miniflare delivers one batch at a time per queue). */
  batches?: ReturnType<BatchLog["summary"]>;
}

/** How long after the last completion the webhooks may still arrive. */
const WEBHOOK_WAIT_MS = 30_000;

/** The body every throughput job is POSTed with (genqueue's API; the floor and baseline read it too). */
function jobBody(i: number, webhookUrl?: string) {
  return {
    type: "image.generate",
    provider: "ideogram",
    input: { prompt: `bench throughput ${i}`, seed: i },
    ...(webhookUrl ? { webhook_url: webhookUrl } : {}),
  };
}

/** Closed loop of POST /v1/jobs (202 = accepted). */
function enqueue(
  baseUrl: string,
  jobs: number,
  concurrency: number,
  headers: Record<string, string>,
  webhookUrl?: string,
) {
  return closedLoop(jobs, concurrency, async (i) => {
    const res = await fetch(`${baseUrl}/v1/jobs`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(jobBody(i, webhookUrl)),
    });
    await res.body?.cancel();
    return { ok: res.status === 202, status: res.status };
  });
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

/** End-to-end figures: `completed` jobs from the first POST to `end` (ms since the epoch). */
function endToEnd(load: LoadResult, end: number, completed: number) {
  const seconds = (end - load.startedAt) / 1000;
  return { endToEndSeconds: round(seconds, 2), jobsPerSecond: round(completed / seconds, 1), completed };
}

export async function genqueueThroughput(
  baseUrl: string,
  apiKey: string,
  instanceId: string,
  state: StateReader,
  hooks: WebhookReceiver,
  jobs: number,
  concurrency: number,
  deadlineMs: number,
): Promise<ThroughputFigures> {
  const load = await enqueue(baseUrl, jobs, concurrency, { authorization: `Bearer ${apiKey}` }, hooks.url);
  const enq = enqueueFigures(load);
  const waited = await waitForTerminal(state, [instanceId], enq.accepted, deadlineMs);
  const [last] = state.query<{ at: number | null }>(
    "SELECT max(completed_at) AS at FROM jobs WHERE instance_id = ?",
    instanceId,
  );
  const end = waited.done ? (last?.at ?? waited.at) : waited.at;
  const completed = terminalCount(waited.counts);
  return {
    jobs,
    concurrency,
    ...enq,
    ...endToEnd(load, end, completed),
    statuses: waited.counts,
    webhookDeliveries: await waitForDeliveries(hooks, completed, WEBHOOK_WAIT_MS),
  };
}

export async function floorThroughput(
  baseUrl: string,
  state: StateReader,
  hooks: WebhookReceiver,
  jobs: number,
  concurrency: number,
  deadlineMs: number,
): Promise<ThroughputFigures> {
  const load = await enqueue(baseUrl, jobs, concurrency, {}, hooks.url);
  const enq = enqueueFigures(load);
  const waited = await pollState(
    { n: 0, at: null as number | null },
    () =>
      state.query<{ n: number; at: number | null }>(
        "SELECT count(*) AS n, max(completed_at) AS at FROM floor_jobs WHERE completed_at IS NOT NULL",
      )[0]!,
    (done) => done.n >= enq.accepted,
    deadlineMs,
  );
  const end = waited.done ? (waited.value.at ?? waited.at) : waited.at;
  return {
    jobs,
    concurrency,
    ...enq,
    ...endToEnd(load, end, waited.value.n),
    webhookDeliveries: await waitForDeliveries(hooks, waited.value.n, WEBHOOK_WAIT_MS),
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
  const load = await enqueue(baseUrl, jobs, concurrency, {});
  const enq = enqueueFigures(load);
  const done = await acks.waitFor(enq.accepted, deadlineMs);
  return { jobs, concurrency, ...enq, ...endToEnd(load, done ? acks.lastAt : Date.now(), acks.acked) };
}
