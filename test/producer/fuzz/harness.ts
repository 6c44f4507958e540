// Sending one fuzzed request and checking the invariants every answer must keep:
//  1. status < 500;
//  2. every answer carries a well-formed x-request-id;
//  3. status >= 400: Content-Type application/problem+json, a body that parses, a `code` from
//     shared/errors.ts whose status is the answer's, and `request_id` equal to x-request-id;
//  4. no id, key, prefix or secret of tenant B in an answer to anyone else (unless the request
//     itself carried it: echoing the client's own input back is not a leak);
//  5. no raw API key in any answer (same exception);
//  6. a 401 carries nothing of tenant A either;
//  7. the code is one the OpenAPI document declares for the route the request reached;
//  8. an answer to A's project-bound key holds nothing of the other project of A's instance.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import app from "../../../producer/src/index";
import { errorCodes, PROBLEM_CONTENT_TYPE, statusForCode } from "../../../shared/errors";
import { fuzzRoutes, routeOf } from "./routes";
import type { FuzzWorld } from "./world";

const ROUTES = fuzzRoutes();

export const BASE_URL = "https://api.genqueue.test";

/**
 * Runs and seed. Inside workerd `process.env` holds only the Worker's bindings and what Vite
 * forwards (VITE_*), so `npm run fuzz` passes FUZZ_RUNS / FUZZ_SEED on as VITE_FUZZ_RUNS /
 * VITE_FUZZ_SEED; either spelling is read here.
 */
function setting(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const value = env[name] ?? env[`VITE_${name}`];
  return value === undefined || value.trim() === "" ? undefined : value;
}

export const FUZZ_RUNS = Math.max(1, Number(setting("FUZZ_RUNS") ?? 300) || 300);
export const FUZZ_SEED = Number(setting("FUZZ_SEED") ?? 20261121) | 0;

/** A share of FUZZ_RUNS (at least 1). */
export function runsFor(share: number): number {
  return Math.max(1, Math.round(FUZZ_RUNS * share));
}

/** Generous per-test timeout: about 60 ms a run, plus seeding and shrinking. */
export function timeoutFor(runs: number): number {
  return 60_000 + runs * 60;
}

/** fc.assert with the fuzz seed; on failure the message says how to replay it. */
export async function assertProperty<T>(
  name: string,
  property: fc.IAsyncPropertyWithHooks<T> | fc.IAsyncProperty<T>,
  numRuns: number,
  offset: number,
): Promise<void> {
  const seed = (FUZZ_SEED + offset) | 0;
  try {
    await fc.assert(property, { numRuns, seed, endOnFailure: numRuns > 1000 });
  } catch (error) {
    const message = `[fuzz] ${name} failed (FUZZ_SEED=${FUZZ_SEED}, property seed ${seed}, FUZZ_RUNS=${FUZZ_RUNS}).`;
    console.error(message);
    // A fresh, well-formed error: vitest's reporter channel rejects lone surrogates (the fuzzer's
    // favourite strings), and an assertion's actual/expected would carry them along.
    const cause =
      error instanceof Error && error.cause instanceof Error ? `\nCaused by: ${error.cause.message}` : "";
    const text = `${message}\n${error instanceof Error ? error.message : String(error)}${cause}`;
    throw new Error(escapeLoneSurrogates(text));
  }
}

/** Lone surrogates written as \\uXXXX, so any text survives a UTF-8 channel and still says what it held. */
export function escapeLoneSurrogates(text: string): string {
  return text.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16)}`,
  );
}

export interface Sent {
  request: Request;
  /** Everything the client itself put in the request (url, decoded url, body, non-auth headers). */
  echoable: string;
  response: Response;
  text: string;
}

/** Every string (keys too) of a JSON body, as the server reads it (escapes resolved). */
function jsonStrings(text: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        out.push(k);
        walk(x);
      }
    }
  };
  try {
    walk(JSON.parse(text));
  } catch {
    // Not JSON: the raw text is all the server could echo.
  }
  return out;
}

/** Percent-decodes every run of escapes that decodes, leaving the others (a stray `%`) as they are. */
function lenientDecode(s: string): string {
  return s.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * The answer's bytes. An event stream of a job still running stays open for minutes (docs/live-updates.md):
 * its first chunk (what the job already had) stands for it, and the stream is canceled.
 */
async function bodyBytes(response: Response): Promise<ArrayBuffer | Uint8Array> {
  if (!response.headers.get("content-type")?.startsWith("text/event-stream") || !response.body)
    return response.arrayBuffer();
  const reader = response.body.getReader();
  const first = await reader.read();
  await reader.cancel();
  return first.value ?? new Uint8Array();
}

/** Sends one request through the producer app, the way the runtime would, and reads the answer. */
export async function send(world: FuzzWorld, request: Request, bodyText: string): Promise<Sent> {
  const ctx = createExecutionContext();
  const response = await app.request(request, undefined, world.bindings, ctx);
  await waitOnExecutionContext(ctx);
  // Bytes, not .text(): image answers are binary (and .text() on them makes workerd warn).
  const text = new TextDecoder().decode(await bodyBytes(response));
  const headerEcho = [...request.headers].filter(([name]) => name !== "authorization").flat();
  const echoable = [
    request.url,
    lenientDecode(request.url),
    bodyText,
    ...jsonStrings(bodyText),
    ...headerEcho,
  ].join("\n");
  return { request, echoable, response, text };
}

const REQUEST_ID = /^req_[0-9a-z]{20}$/;
const RAW_KEY = /gq_[a-z0-9]{40}/g;

function describeExchange(sent: Sent): string {
  const { request, response, text } = sent;
  const headers = [...request.headers].map(([k, v]) => `${k}: ${v.slice(0, 200)}`).join("; ");
  return `${request.method} ${request.url.slice(0, 300)} [${headers}] -> ${response.status} ${text.slice(0, 500)}`;
}

export interface Violation {
  /** What broke, with ids and request ids normalised: one line per kind of break. */
  signature: string;
  /** The exchange that broke it. */
  detail: string;
}

const ID = /\b(job|key|req|org|ins|prj|evt|dl|pk|msg)_[0-9a-z]{8,40}\b/g;

/** Every invariant that does not hold for this exchange (empty when all hold). */
export function violations(world: FuzzWorld, sent: Sent): Violation[] {
  const { request, response, text, echoable } = sent;
  const out: string[] = [];
  const status = response.status;
  const route = routeOf(ROUTES, request.method, new URL(request.url).pathname);
  if (status >= 500) out.push(`status ${status} >= 500: ${text.slice(0, 200)}`);
  const requestId = response.headers.get("x-request-id") ?? "";
  if (!REQUEST_ID.test(requestId)) out.push(`x-request-id ${JSON.stringify(requestId)} is not a request id`);
  if (status >= 400 && request.method !== "HEAD") {
    const type = response.headers.get("content-type");
    if (type !== PROBLEM_CONTENT_TYPE) out.push(`content-type ${type} on a ${status}`);
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      out.push("problem body is not JSON");
    }
    if (body) {
      const code = body.code as (typeof errorCodes)[number];
      if (!errorCodes.includes(code)) out.push(`code ${JSON.stringify(code)} is not in errorCodes`);
      else if (statusForCode[code] !== status) out.push(`code ${code} is not a ${status}`);
      if (body.status !== status) out.push(`body.status ${body.status} != ${status}`);
      if (body.type !== `urn:genqueue:error:${code}`) out.push(`type ${body.type} does not name ${code}`);
      if (body.request_id !== requestId)
        out.push(`request_id ${body.request_id} != x-request-id ${requestId}`);
      if (route && !route.public && !route.declaredCodes.includes(code)) {
        out.push(`${code} is not declared (declared: ${route.declaredCodes.join(", ")})`);
      }
    }
  }
  const answer = `${[...response.headers].flat().join("\n")}\n${text}`;
  for (const secret of world.b.secrets) {
    if (answer.includes(secret) && !echoable.includes(secret)) out.push(`leaks tenant B's ${secret}`);
  }
  for (const key of answer.match(RAW_KEY) ?? []) {
    if (!echoable.includes(key)) out.push(`answer holds a raw API key ${key.slice(0, 10)}…`);
  }
  if (status === 401) {
    for (const secret of world.a.secrets) {
      if (answer.includes(secret) && !echoable.includes(secret)) out.push(`401 holds tenant A's ${secret}`);
    }
  }
  // A project-bound key sees its own project only, not the other projects of its instance.
  const key = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  if (key === world.a.userKey) {
    for (const secret of world.a.sibling.secrets) {
      if (answer.includes(secret) && !echoable.includes(secret)) out.push(`project-bound key sees ${secret}`);
    }
  }
  const where = route ? `${route.method} ${route.template}` : `${request.method} (no route)`;
  return out.map((v) => ({
    signature: `${where}: ${v}`,
    detail: describeExchange(sent),
  }));
}

/**
 * FUZZ_COLLECT=1: record every kind of break (first example of each) and report them all at the end
 * of the property, instead of stopping at the first. For finding bugs; the default stops and shrinks.
 */
export const FUZZ_COLLECT = setting("FUZZ_COLLECT") === "1";
export const collected = new Map<string, { count: number; detail: string }>();

/** One broken invariant: recorded under FUZZ_COLLECT, thrown (for fast-check to shrink) otherwise. */
export function report(signature: string, detail: string): void {
  const sig = escapeLoneSurrogates(signature.replace(ID, "$1_…").slice(0, 300));
  if (!FUZZ_COLLECT) throw new Error(`${sig}\n    ${escapeLoneSurrogates(detail)}`);
  const seen = collected.get(sig);
  collected.set(sig, { count: (seen?.count ?? 0) + 1, detail: seen?.detail ?? escapeLoneSurrogates(detail) });
}

/** Sends and throws (for fast-check to shrink) when an invariant breaks. */
export async function sendAndCheck(world: FuzzWorld, request: Request, bodyText: string): Promise<Sent> {
  const sent = await send(world, request, bodyText);
  const broken = violations(world, sent);
  if (broken.length && !FUZZ_COLLECT) {
    throw new Error(broken.map((v) => `${v.signature}\n    ${v.detail}`).join("\n"));
  }
  for (const v of broken) report(v.signature, v.detail);
  return sent;
}
