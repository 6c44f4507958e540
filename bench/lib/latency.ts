// Latency under load: a backlog keeps the consumer busy, then POST /v1/jobs and GET /v1/jobs/{id}
// are each offered at a fixed rate (open loop) for a fixed time. Latency counts from each call's
// scheduled start, so a stalled system cannot hide behind a slower offered rate.
import { closedLoop, openLoop } from "./load";
import { apiClient, type StateReader } from "./observe";
import { round, roundSummary, summarize } from "./stats";

export interface LatencyFigures {
  offeredPerSecond: number;
  seconds: number;
  backlogJobs: number;
  /** Jobs still queued or running when the window opened and closed (consumer busy throughout?). */
  unfinishedAtStart: number;
  unfinishedAtEnd: number;
  enqueue: {
    calls: number;
    errors: number;
    latencyMs: ReturnType<typeof roundSummary>;
    startLagMsP99: number;
  };
  statusGet: {
    calls: number;
    errors: number;
    latencyMs: ReturnType<typeof roundSummary>;
    startLagMsP99: number;
  };
}

export async function latencyUnderLoad(
  baseUrl: string,
  apiKey: string,
  instanceId: string,
  state: StateReader,
  opts: { ratePerSecond: number; seconds: number; backlog: number },
): Promise<LatencyFigures> {
  const client = apiClient(baseUrl, apiKey);
  const ids: string[] = [];
  const unfinished = () => {
    const counts = state.statusCounts([instanceId]);
    return (counts.queued ?? 0) + (counts.running ?? 0);
  };
  // Top the backlog up to `backlog` unfinished jobs (an earlier point may have left some).
  const topUp = Math.max(20, opts.backlog - unfinished());
  await closedLoop(topUp, 20, async (i) => {
    const res = await client.createJob({
      type: "image.generate",
      provider: "ideogram",
      input: { prompt: `bench backlog ${i}`, seed: i },
    });
    if (res.status === 202) ids.push(((await res.json()) as { id: string }).id);
    else await res.body?.cancel();
    return { ok: res.status === 202, status: res.status };
  });
  const unfinishedAtStart = unfinished();
  const durationMs = opts.seconds * 1000;
  const [posts, gets] = await Promise.all([
    openLoop(opts.ratePerSecond, durationMs, async (i) => {
      const res = await client.createJob({
        type: "image.generate",
        provider: "ideogram",
        input: { prompt: `bench latency ${i}` },
      });
      await res.body?.cancel();
      return { ok: res.status === 202, status: res.status };
    }),
    openLoop(opts.ratePerSecond, durationMs, async (i) => {
      const res = await client.getJob(ids[(i * 7919) % ids.length]!);
      await res.body?.cancel();
      return { ok: res.status === 200, status: res.status };
    }),
  ]);
  const unfinishedAtEnd = unfinished();
  const figures = (r: typeof posts) => ({
    calls: r.calls.length,
    errors: r.calls.filter((c) => !c.ok).length,
    latencyMs: roundSummary(summarize(r.calls.map((c) => c.latencyMs))),
    startLagMsP99: round(summarize(r.startLagMs ?? []).p99, 1),
  });
  return {
    offeredPerSecond: opts.ratePerSecond,
    seconds: opts.seconds,
    backlogJobs: ids.length,
    unfinishedAtStart,
    unfinishedAtEnd,
    enqueue: figures(posts),
    statusGet: figures(gets),
  };
}
