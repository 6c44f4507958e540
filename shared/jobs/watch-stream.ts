// A job's history as Server-Sent Events (GET /v1/jobs/{id}/stream): each event is `job.{type}`
// with the event's version as its id, so a client that reconnects with `Last-Event-ID` resumes
// after it. What the row held when the stream opened goes first; later events come from the job's
// JobWatch object (watch.ts), asked with a long poll, never D1 in a loop. A quiet wait ends in a
// comment line, which keeps proxies from closing an idle connection.
import type { JobEvent } from "../db/queries/jobs";
import { isoTime } from "../time";
import { type JobStatus, terminalStatuses } from "./enums";
import { serializeEvent } from "./serialize";
import { eventsAfter, type JobWatchObject } from "./watch";

/** How long one stream stays open; the client reconnects with Last-Event-ID after it. */
export const MAX_STREAM_MS = 5 * 60 * 1000;
/** The longest quiet stretch before a heartbeat comment. */
export const HEARTBEAT_MS = 15_000;
/** Asked of EventSource clients: wait this long before reconnecting. */
export const RETRY_MS = 1_000;

export function sseJobEvent(jobId: string, event: JobEvent): string {
  const data = JSON.stringify({ job_id: jobId, ...serializeEvent(event) });
  return `id: ${event.version}\nevent: job.${event.type}\ndata: ${data}\n\n`;
}

export interface JobStreamStart {
  jobId: string;
  /** The job as the watch mark read it. */
  status: JobStatus;
  version: number;
  events: JobEvent[];
  /** Events after this version are sent (Last-Event-ID). */
  after: number;
}

/**
 * The event stream: the events after `after`, then new ones as they come. It ends after a terminal
 * event (or at once when the job had already ended), after `maxMs`, or when the client goes away.
 */
export function jobEventStream(
  start: JobStreamStart,
  source: Pick<JobWatchObject, "next">,
  opts: { maxMs?: number; heartbeatMs?: number; now?: () => number } = {},
): ReadableStream<Uint8Array> {
  const now = opts.now ?? Date.now;
  const deadline = now() + (opts.maxMs ?? MAX_STREAM_MS);
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  const encoder = new TextEncoder();
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) =>
    controller.enqueue(encoder.encode(text));
  let cursor = Math.max(start.after, start.version);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const events = eventsAfter(start.events, start.after);
      send(controller, `retry: ${RETRY_MS}\n\n${events.map((e) => sseJobEvent(start.jobId, e)).join("")}`);
      if (terminalStatuses.includes(start.status)) controller.close();
    },
    async pull(controller) {
      const left = deadline - now();
      if (left <= 0) return controller.close();
      const batch = await source.next(cursor, Math.min(left, heartbeatMs));
      const events = eventsAfter(batch.events, cursor);
      const last = events.at(-1);
      if (!last) return send(controller, `: heartbeat ${isoTime(now())}\n\n`);
      send(controller, events.map((e) => sseJobEvent(start.jobId, e)).join(""));
      cursor = last.version;
      if (terminalStatuses.includes(last.status)) controller.close();
    },
  });
}
