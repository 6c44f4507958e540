// The pieces of `npm run dlq:replay` that need no terminal: argument parsing, configuration,
// the admin API client, table and summary formatting. scripts/dlq-replay.ts wires them together.
import { parseArgs } from "node:util";

/** Ids sent per replay call: small enough that one failing call costs little. */
export const REPLAY_CHUNK_SIZE = 25;
/** The API's cap on one selection (ids or filter limit). */
export const MAX_SELECTION = 500;

export const USAGE = `Usage: npm run dlq:replay -- [options]

Selects dead-lettered jobs, shows them, asks for confirmation, then queues them again.

Selection (either --job, or any of the filters; no selection means every dead-lettered job):
  --job ID            a job id or dead letter id (repeatable)
  --since ISO         dead-lettered at or after this time, e.g. 2026-11-20T00:00:00Z
  --error-code CODE   only this error code
  --provider NAME     only this provider
  --project ID        only this project
  --limit N           at most N jobs by filter, newest first (1-${MAX_SELECTION}, default 100)

Behaviour:
  --dry-run           only list what would be replayed
  --yes, -y           do not ask for confirmation (required when stdin is not a terminal)
  --url URL           the API (default: GENQUEUE_URL, else api_url of .local/dev-credentials.json)
  --help, -h          this text

The admin key comes from GENQUEUE_ADMIN_KEY, else admin_key of .local/dev-credentials.json.
Exit codes: 0 done, 1 a replay failed or was declined, 2 bad usage or configuration.`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface ReplayArgs {
  jobs: string[];
  since?: string;
  errorCode?: string;
  provider?: string;
  project?: string;
  limit?: number;
  dryRun: boolean;
  yes: boolean;
  url?: string;
  help: boolean;
}

export function parseReplayArgs(argv: readonly string[]): ReplayArgs {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const args: ReplayArgs = {
    jobs: values.job ?? [],
    errorCode: values["error-code"],
    provider: values.provider,
    project: values.project,
    dryRun: values["dry-run"] ?? false,
    yes: values.yes ?? false,
    url: values.url,
    help: values.help ?? false,
  };
  if (values.since !== undefined) {
    const ms = Date.parse(values.since);
    if (Number.isNaN(ms)) throw new UsageError(`--since must be an ISO date-time, got "${values.since}"`);
    args.since = new Date(ms).toISOString();
  }
  if (values.limit !== undefined) {
    const n = Number(values.limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_SELECTION) {
      throw new UsageError(
        `--limit must be a whole number from 1 to ${MAX_SELECTION}, got "${values.limit}"`,
      );
    }
    args.limit = n;
  }
  const hasFilter = [args.since, args.errorCode, args.provider, args.project, args.limit].some(
    (v) => v !== undefined,
  );
  if (args.jobs.length > 0 && hasFilter) {
    throw new UsageError(
      "--job cannot be combined with --since, --error-code, --provider, --project or --limit",
    );
  }
  if (args.jobs.length > MAX_SELECTION) throw new UsageError(`at most ${MAX_SELECTION} --job ids at once`);
  if (args.url !== undefined && !isHttpUrl(args.url)) throw new UsageError(`--url must be an http(s) URL`);
  return args;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      job: { type: "string", multiple: true },
      since: { type: "string" },
      "error-code": { type: "string" },
      provider: { type: "string" },
      project: { type: "string" },
      limit: { type: "string" },
      "dry-run": { type: "boolean" },
      yes: { type: "boolean", short: "y" },
      url: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export interface Credentials {
  api_url?: string;
  admin_key?: string;
}

/** --url, then GENQUEUE_URL, then the credentials file; the key from GENQUEUE_ADMIN_KEY, then the file. */
export function resolveTarget(
  args: Pick<ReplayArgs, "url">,
  env: Record<string, string | undefined>,
  credentials: Credentials | null,
): { url: string; adminKey: string } {
  const set = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  const url = args.url ?? set(env.GENQUEUE_URL) ?? set(credentials?.api_url);
  const adminKey = set(env.GENQUEUE_ADMIN_KEY) ?? set(credentials?.admin_key);
  if (!url) throw new UsageError("No API URL: pass --url, set GENQUEUE_URL, or run `npm start` once");
  if (!adminKey) {
    throw new UsageError("No admin key: set GENQUEUE_ADMIN_KEY, or run `npm start` once to write it");
  }
  return { url: url.replace(/\/+$/, ""), adminKey };
}

/** The body of the first (dry-run) call: ids when --job was given, else the filter. */
export function selectionBody(args: ReplayArgs): ReplayRequest {
  if (args.jobs.length > 0) return { ids: [...new Set(args.jobs)], dry_run: true };
  const filter: ReplayFilter = {};
  if (args.since) filter.since = args.since;
  if (args.errorCode) filter.error_code = args.errorCode;
  if (args.provider) filter.provider = args.provider;
  if (args.project) filter.project_id = args.project;
  return { filter, ...(args.limit ? { limit: args.limit } : {}), dry_run: true };
}

// The admin API's shapes (POST /v1/admin/dead-letters/replay), as this script uses them.
export interface ReplayFilter {
  since?: string;
  error_code?: string;
  provider?: string;
  project_id?: string;
}
export interface ReplayRequest {
  ids?: string[];
  filter?: ReplayFilter;
  limit?: number;
  dry_run?: boolean;
}
export interface ReplayedItem {
  job_id: string;
  dead_letter_id: string;
  provider?: string | null;
  error?: { code: string; message: string };
  dead_lettered_at?: string;
}
export interface ReplayResponse {
  dry_run: boolean;
  replayed: ReplayedItem[];
  skipped: { id: string; reason: string }[];
  failed: { job_id: string; error: string }[];
}

export class ApiCallError extends Error {
  override readonly name = "ApiCallError";
}

export async function postReplay(
  target: { url: string; adminKey: string },
  body: ReplayRequest,
  fetchImpl: typeof fetch = fetch,
): Promise<ReplayResponse> {
  let res: Response;
  try {
    res = await fetchImpl(`${target.url}/v1/admin/dead-letters/replay`, {
      method: "POST",
      headers: { authorization: `Bearer ${target.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiCallError(`cannot reach ${target.url}: ${error instanceof Error ? error.message : error}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const problem = (json ?? {}) as { code?: string; detail?: string };
    const what = problem.code ? `${problem.code}: ${problem.detail ?? ""}`.trim() : text.slice(0, 200);
    throw new ApiCallError(`HTTP ${res.status} ${what}`);
  }
  if (!isReplayResponse(json)) throw new ApiCallError(`unexpected answer: ${text.slice(0, 200)}`);
  return json;
}

function isReplayResponse(value: unknown): value is ReplayResponse {
  const v = value as ReplayResponse | undefined;
  return (
    typeof v === "object" &&
    v !== null &&
    Array.isArray(v.replayed) &&
    Array.isArray(v.skipped) &&
    Array.isArray(v.failed)
  );
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new RangeError("chunk size must be at least 1");
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A plain-text table: a header, a rule, one line per row, columns padded to their widest cell. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((w, i) => (cells[i] ?? "").padEnd(w))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function candidatesTable(items: readonly ReplayedItem[]): string {
  return formatTable(
    ["JOB ID", "ERROR CODE", "PROVIDER", "DEAD-LETTERED AT"],
    items.map((item) => [
      item.job_id,
      item.error?.code ?? "-",
      item.provider ?? "-",
      item.dead_lettered_at ?? "-",
    ]),
  );
}

/** What the chunks did, added up; `failed` also holds whole chunks whose call failed. */
export interface ReplayTotals {
  replayed: ReplayedItem[];
  skipped: ReplayResponse["skipped"];
  failed: ReplayResponse["failed"];
}

export function emptyTotals(): ReplayTotals {
  return { replayed: [], skipped: [], failed: [] };
}

export function addChunk(totals: ReplayTotals, result: ReplayResponse): ReplayTotals {
  return {
    replayed: [...totals.replayed, ...result.replayed],
    skipped: [...totals.skipped, ...result.skipped],
    failed: [...totals.failed, ...result.failed],
  };
}

export function addFailedChunk(totals: ReplayTotals, jobIds: readonly string[], error: string): ReplayTotals {
  return { ...totals, failed: [...totals.failed, ...jobIds.map((job_id) => ({ job_id, error }))] };
}

export function progressLine(done: number, total: number, totals: ReplayTotals): string {
  return `[${done}/${total}] replayed ${totals.replayed.length}, skipped ${totals.skipped.length}, failed ${totals.failed.length}`;
}

export function formatSummary(totals: ReplayTotals): string {
  const lines = [
    `Replayed ${totals.replayed.length}, skipped ${totals.skipped.length}, failed ${totals.failed.length}.`,
  ];
  if (totals.skipped.length > 0) {
    lines.push("Skipped:", ...totals.skipped.map((s) => `  ${s.id}  ${s.reason}`));
  }
  if (totals.failed.length > 0) {
    lines.push(
      "Failed (still dead_lettered; run again to retry):",
      ...totals.failed.map((f) => `  ${f.job_id}  ${f.error}`),
    );
  }
  return lines.join("\n");
}

export function exitCodeFor(totals: ReplayTotals): number {
  return totals.failed.length > 0 ? 1 : 0;
}

/** `y` or `yes`, any case; anything else (an empty answer included) is no. */
export function isYes(answer: string): boolean {
  return /^y(es)?$/i.test(answer.trim());
}
