// The worker side of fake-thread.ts: starts the fake, answers stats and close requests.
import { parentPort, workerData } from "node:worker_threads";
import { startIdeogramFake } from "../../test/fakes/ideogram";
import type { FakeOptions } from "../../test/fakes/spec";

const port = parentPort;
if (!port) throw new Error("fake-thread-worker runs as a worker thread");
const fake = await startIdeogramFake(workerData as FakeOptions);
port.on("message", async (m: { kind: "stats" | "close" }) => {
  if (m.kind === "stats") port.postMessage({ kind: "stats", stats: fake.stats() });
  if (m.kind === "close") {
    await fake.close();
    port.postMessage({ kind: "closed" });
  }
});
port.postMessage({ kind: "ready", url: fake.url });
