// `npm start`'s quiet output: wrangler dev's lines, one at a time, either dropped (start-up tables,
// hints, offline noise), shortened (request lines, the Workers' JSON logs) or passed as they are.
// Anything not recognised is passed, so a Worker exception, a build failure or a new wrangler
// message stays visible; `npm start -- --verbose` skips this filter altogether.
import { stripVTControlCharacters } from "node:util";

export interface DevLogOptions {
  /** The clock of the `HH:MM:SS` stamp on shortened lines (injected so tests are stable). */
  now?: () => Date;
}

/** Lines of wrangler's start-up output that say nothing the banner does not. */
const NOISE: RegExp[] = [
  /^\s*$/,
  /^\s*⛅️ wrangler /,
  /^─+$/,
  /^\[custom build\]/,
  /^Using secrets defined in /,
  /^\S+ has access to the following bindings:$/,
  /^Binding\s+Resource\s+Mode$/,
  /^env\.\S+ /,
  /^Service bindings, Durable Object bindings, and Tail consumers connect to other/,
  /^⎔ Starting local server\.\.\.$/,
  /^\[wrangler:info\] Ready on /,
  // npm start runs the cron itself (and its banner says how to run it by hand).
  /Scheduled Workers are not automatically triggered during local development/,
  /^To manually trigger a scheduled event, run:$/,
  /^curl "http:\/\/[^"]+\/cdn-cgi\/local\/scheduled"$/,
  /^For more details, see https:\/\/developers\.cloudflare\.com\/workers\/configuration\/cron-triggers/,
];

/**
 * Offline noise with a stack trace under it, dropped with that trace: wrangler fetching
 * `Request.cf` (npm start turns the fetch off; this covers CLOUDFLARE_CF_FETCH_ENABLED=true), and
 * workerd's own report of a fetch whose host does not resolve (a webhook to an unreachable URL;
 * the consumer logs that attempt itself, as `webhook attempt failed`).
 */
const NOISE_WITH_TRACE: RegExp[] = [
  /^\[wrangler:warn\] Unable to fetch the `Request\.cf` object!/,
  /^✘ \[ERROR\] .*failed to lookup address information/,
];
const TRACE = /^\s*(Error: getaddrinfo |at |stack: )/;

const REQUEST = /^\[wrangler:info\] ([A-Z]+) (\S+) (\d{3})\b[^(]*\((\d+)ms\)$/;
const QUEUE = /^\[wrangler:info\] QUEUE (\S+) (\d+)\/(\d+) \((\d+)ms\)$/;
/** A Worker's JSON log line; wrangler wraps console.warn / console.error in a WARNING / ERROR label. */
const WORKER_JSON =
  /^(?:[▲✘] \[(?:WARNING|ERROR)\] )?(?:\[([\w-]+)\] )?(\{"level":"(?:info|warn|error)".*\})$/;

/** Fields shown elsewhere in the line, or too long to read at a glance (the ids are in --verbose). */
const HIDDEN_FIELDS = new Set(["level", "msg", "job_id", "request_id", "instance_id"]);

function stamp(now: Date): string {
  return now.toTimeString().slice(0, 8);
}

function formatValue(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /\s/.test(text) ? JSON.stringify(text) : text;
}

/** A Worker's JSON log line as `[WARN] job_… msg key=value …`; null to drop it. */
function formatWorkerLog(json: string): string | null {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  // Said already by "job succeeded"; other decisions (retry, defer, dead letter) are kept.
  if (entry.msg === "job message handled" && entry.decision === "ack" && entry.reason === "succeeded")
    return null;
  // A failed or slow request: wrangler's own request line above says it (method, path, status, ms).
  if (entry.msg === "request") return null;
  const level = entry.level === "info" ? [] : [String(entry.level).toUpperCase()];
  const job = typeof entry.job_id === "string" ? [entry.job_id] : [];
  const fields = Object.entries(entry)
    .filter(([key, value]) => !HIDDEN_FIELDS.has(key) && value !== null && value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  return [...level, ...job, String(entry.msg), ...fields].join(" ");
}

/**
 * A line filter for one output stream (it keeps a little state: whether the previous line was
 * dropped noise whose trace follows). Returns the text to print, or null to drop the line.
 */
export function createDevLogFilter(options: DevLogOptions = {}): (line: string) => string | null {
  const now = options.now ?? (() => new Date());
  let inDroppedTrace = false;
  return (raw) => {
    const line = stripVTControlCharacters(raw).trimEnd();
    if (inDroppedTrace && (TRACE.test(line) || line.trim() === "")) return null;
    inDroppedTrace = false;
    if (NOISE_WITH_TRACE.some((re) => re.test(line))) {
      inDroppedTrace = true;
      return null;
    }
    if (NOISE.some((re) => re.test(line.trim()))) return null;
    const request = REQUEST.exec(line);
    if (request) {
      const [, method, path, status, ms] = request;
      return `${stamp(now())} ${method} ${path} ${status} ${ms}ms`;
    }
    const queue = QUEUE.exec(line);
    if (queue) {
      const [, name, acked, total] = queue;
      // Every message acked: the consumer's own lines said what happened. Otherwise say so.
      return acked === total
        ? null
        : `${stamp(now())} WARN queue ${name}: ${acked} of ${total} messages acked`;
    }
    const worker = WORKER_JSON.exec(line);
    if (worker?.[2]) {
      const text = formatWorkerLog(worker[2]);
      return text === null ? null : `${stamp(now())} ${text}`;
    }
    return raw.trimEnd();
  };
}
