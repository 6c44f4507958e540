// Runs the fake Ideogram in a worker thread, with an event loop of its own. The fake judges the
// provider's limit by when each request reaches its handler; in the harness's thread that moment
// waits behind the harness's own work (thousands of wrangler log lines, state polling, the webhook
// receiver), and requests that queue up there reach the handler together: the fake would count a
// burst the network never carried. On its own thread it sees calls as they arrive.
import { Worker } from "node:worker_threads";
import type { FakeStats } from "../../test/fakes/knobs";
import type { FakeOptions } from "../../test/fakes/spec";

/** The fake thread's own scheduling: spans it ran nothing (over 25 ms), and its loop delay. */
export interface FakeLoop {
  stalls: { endedAt: number; ms: number }[];
  delayP99Ms: number;
  delayMaxMs: number;
}

export interface ThreadedFake {
  url: string;
  /** The fake's counters and its thread's stalls, in one message. */
  stats(): Promise<{ stats: FakeStats; loop: FakeLoop }>;
  close(): Promise<void>;
}

type Reply =
  | { kind: "ready"; url: string }
  | { kind: "stats"; stats: FakeStats; loop: FakeLoop }
  | { kind: "closed" };

export async function startIdeogramFakeThread(opts: FakeOptions): Promise<ThreadedFake> {
  // The worker inherits the parent's execArgv, so tsx loads its TypeScript as it loads ours.
  const worker = new Worker(new URL("./fake-thread-worker.ts", import.meta.url), { workerData: opts });
  const next = <K extends Reply["kind"]>(kind: K) =>
    new Promise<Extract<Reply, { kind: K }>>((resolve, reject) => {
      const onMessage = (m: Reply) => {
        if (m.kind !== kind) return;
        worker.off("message", onMessage);
        worker.off("error", reject);
        resolve(m as Extract<Reply, { kind: K }>);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
  const { url } = await next("ready");
  return {
    url,
    stats: async () => {
      const reply = next("stats");
      worker.postMessage({ kind: "stats" });
      const { stats, loop } = await reply;
      return { stats, loop };
    },
    close: async () => {
      const reply = next("closed");
      worker.postMessage({ kind: "close" });
      await reply;
      await worker.terminate();
    },
  };
}
