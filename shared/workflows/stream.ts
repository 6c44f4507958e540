// A workflow's versions as Server-Sent Events: each version is one `workflow.version` event whose
// id is the version number, so a client that reconnects with `Last-Event-ID` resumes after it. The
// object is asked with a long poll (WorkflowState.next), not D1 in a loop; a quiet wait ends in a
// comment line that keeps proxies from closing the connection.
import { MAX_NEXT_WAIT_MS, type WorkflowVersion } from "./object";
import { serializeVersion } from "./serialize";

export const WORKFLOW_VERSION_EVENT = "workflow.version";
/** How long one stream stays open; the client reconnects with Last-Event-ID after it. */
export const MAX_STREAM_MS = 10 * 60 * 1000;

export interface VersionSource {
  next(after: number, timeoutMs: number): Promise<WorkflowVersion[]>;
}

export function sseEvent(version: WorkflowVersion): string {
  return `id: ${version.version}\nevent: ${WORKFLOW_VERSION_EVENT}\ndata: ${JSON.stringify(serializeVersion(version))}\n\n`;
}

/** `Last-Event-ID` first, then `?after=`; anything that is not a whole number means from the start. */
export function resumeAfter(lastEventId: string | undefined, after: number | undefined): number {
  const id = lastEventId?.trim();
  if (id && /^\d{1,9}$/.test(id)) return Number(id);
  return after ?? 0;
}

/**
 * The event stream: versions after `after` as they come. It ends after the version that completes
 * the workflow (a client wanting more reconnects), after `maxMs`, or when the client goes away.
 */
export function versionStream(
  source: VersionSource,
  after: number,
  opts: { maxMs?: number; now?: () => number } = {},
): ReadableStream<Uint8Array> {
  const now = opts.now ?? Date.now;
  const deadline = now() + (opts.maxMs ?? MAX_STREAM_MS);
  const encoder = new TextEncoder();
  let cursor = after;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const left = deadline - now();
      if (left <= 0) return controller.close();
      const versions = await source.next(cursor, Math.min(left, MAX_NEXT_WAIT_MS));
      if (versions.length === 0) return controller.enqueue(encoder.encode(": waiting\n\n"));
      controller.enqueue(encoder.encode(versions.map(sseEvent).join("")));
      const last = versions.at(-1) as WorkflowVersion;
      cursor = last.version;
      if (last.done) controller.close();
    },
  });
}
