// A webhook receiver for bench and soak runs: records every delivery attempt (webhook-id, event
// type, job id) and can be "down" (answers 503) for a while.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { terminalStatuses } from "../../shared/jobs/enums";
import { eventForStatus } from "../../shared/webhooks/payload";

export interface Delivery {
  webhookId: string;
  type: string;
  jobId: string;
  at: number;
  answered: number;
}

export interface WebhookReceiver {
  url: string;
  deliveries: Delivery[];
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  let down = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let type = "";
      let jobId = "";
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          type?: string;
          data?: { id?: string };
        };
        type = body.type ?? "";
        jobId = body.data?.id ?? "";
      } catch {
        // recorded with empty type / job id: the soak reports it
      }
      const answered = down ? 503 : 200;
      deliveries.push({
        webhookId: String(req.headers["webhook-id"] ?? ""),
        type,
        jobId,
        at: Date.now(),
        answered,
      });
      res.writeHead(answered, { "content-type": "text/plain" });
      res.end(down ? "down for maintenance" : "ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    setDown: (d) => {
      down = d;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const TERMINAL_EVENTS: readonly string[] = terminalStatuses.flatMap((s) => eventForStatus(s) ?? []);

/** Per job: distinct terminal webhook events (by webhook-id) among the deliveries answered 2xx. */
export function terminalEventsPerJob(deliveries: readonly Delivery[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const d of deliveries) {
    if (d.answered < 200 || d.answered >= 300 || !TERMINAL_EVENTS.includes(d.type)) continue;
    const set = out.get(d.jobId) ?? new Set<string>();
    set.add(d.webhookId);
    out.set(d.jobId, set);
  }
  return out;
}

/** Waits until the receiver has `expected` deliveries or `timeoutMs` passed; returns how many it has. */
export async function waitForDeliveries(
  receiver: WebhookReceiver,
  expected: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (receiver.deliveries.length < expected && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 250));
  return receiver.deliveries.length;
}
