// The worker side of fake-thread.ts: starts the fake, answers stats and close requests, and
// records its own stalls: spans in which the thread ran nothing, so a call that arrived then was
// stamped late. A stall that ends just before a clump of "arrivals" points at the fake, not at
// the sender.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { startIdeogramFake } from "../../test/fakes/ideogram";
import type { FakeOptions } from "../../test/fakes/spec";

const port = parentPort;
if (!port) throw new Error("fake-thread-worker runs as a worker thread");
const fake = await startIdeogramFake(workerData as FakeOptions);

const TICK_MS = 5;
const STALL_MS = 25;
const stalls: { endedAt: number; ms: number }[] = [];
let lastTick = Date.now();
const ticker = setInterval(() => {
  const now = Date.now();
  if (now - lastTick > STALL_MS && stalls.length < 100_000) stalls.push({ endedAt: now, ms: now - lastTick });
  lastTick = now;
}, TICK_MS);
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

port.on("message", async (m: { kind: "stats" | "close" }) => {
  if (m.kind === "stats") {
    const loop = {
      stalls,
      delayP99Ms: loopDelay.percentile(99) / 1e6,
      delayMaxMs: loopDelay.max / 1e6,
    };
    port.postMessage({ kind: "stats", stats: fake.stats(), loop });
  }
  if (m.kind === "close") {
    clearInterval(ticker);
    loopDelay.disable();
    await fake.close();
    port.postMessage({ kind: "closed" });
  }
});
port.postMessage({ kind: "ready", url: fake.url });
