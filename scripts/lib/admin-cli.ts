// `npm run admin -- <command>`: parse (admin-commands.ts), find the API and key, send the request,
// print the API's JSON. Everything the outside world provides comes in `deps`, so tests drive it
// against a local fake server; scripts/admin.ts passes the real ones.
import { type BootstrapDeps, runBootstrap } from "./admin-bootstrap";
import { type ApiRequest, type ParsedCommand, parseCommand, UsageError } from "./admin-commands";

/** What `npm start` writes (scripts/lib/dev-tenant.ts): the fields the CLI reads. */
export interface CliCredentials {
  api_url?: string;
  admin_key?: string;
}

export interface CliDeps extends Omit<BootstrapDeps, "now"> {
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
  readCredentials: () => Promise<CliCredentials | null>;
  now: () => number;
  /** npm start's local state dir (the bootstrap's default --persist-to), absolute. */
  persistDir: string;
  /** Resolves a --persist-to given on the command line (relative to the repository). */
  resolvePath: (path: string) => string;
}

export interface Target {
  url: string;
  key: string;
}

/** --url / --key, else GENQUEUE_URL / GENQUEUE_KEY, else the credentials file of npm start. */
export function resolveTarget(
  flags: { url?: string; key?: string },
  env: Record<string, string | undefined>,
  credentials: CliCredentials | null,
): Target {
  const url = flags.url ?? env.GENQUEUE_URL ?? credentials?.api_url;
  const key = flags.key ?? env.GENQUEUE_KEY ?? credentials?.admin_key;
  if (!url)
    throw new UsageError("No API URL: pass --url, set GENQUEUE_URL, or run npm start (it writes one)");
  if (!key)
    throw new UsageError("No API key: pass --key, set GENQUEUE_KEY, or run npm start (it writes one)");
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: ${url}`);
  }
  return { url, key };
}

/** The fetch arguments of a request: base URL + path + defined query members, JSON body. */
export function toFetch(target: Target, request: ApiRequest): { url: string; init: RequestInit } {
  // Relative to the base URL, so a base with a path (https://host/genqueue) keeps it.
  const url = new URL(
    request.path.replace(/^\//, ""),
    target.url.endsWith("/") ? target.url : `${target.url}/`,
  );
  for (const [name, value] of Object.entries(request.query ?? {}))
    if (value !== undefined) url.searchParams.set(name, value);
  const headers: Record<string, string> = {
    authorization: `Bearer ${target.key}`,
    accept: "application/json",
  };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  return {
    url: url.toString(),
    init: {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    },
  };
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

async function send(parsed: Extract<ParsedCommand, { kind: "request" }>, deps: CliDeps): Promise<number> {
  const target = resolveTarget(parsed, deps.env, await deps.readCredentials());
  const { url, init } = toFetch(target, parsed.request);
  let res: Response;
  try {
    res = await deps.fetch(url, init);
  } catch (error) {
    deps.err(
      `${parsed.command}: could not reach ${target.url}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  const text = await res.text();
  if (!res.ok) {
    deps.err(`${parsed.command}: ${res.status} ${res.statusText}`.trimEnd());
    if (text) deps.err(pretty(text));
    return 1;
  }
  if (text) deps.out(pretty(text));
  return 0;
}

/** Runs one command; returns the exit code (0 done, 1 refused or failed, 2 bad usage). */
export async function runAdminCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  try {
    const parsed = parseCommand(argv, deps.now());
    if (parsed.kind === "help") {
      deps.out(parsed.text);
      return 0;
    }
    if (parsed.kind === "bootstrap") {
      const persistTo = parsed.persistTo === undefined ? deps.persistDir : deps.resolvePath(parsed.persistTo);
      return await runBootstrap({ ...parsed, persistTo }, deps);
    }
    return await send(parsed, deps);
  } catch (error) {
    if (error instanceof UsageError) {
      deps.err(error.message);
      return 2;
    }
    throw error;
  }
}
