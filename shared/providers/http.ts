// The HTTP plumbing every adapter shares: one timeout per call, transport failures and error
// responses turned into ProviderError, and image bytes fetched and measured. Workers-only APIs.
import { type ProviderErrorCode, ProviderError, codeForStatus, parseRetryAfter } from "./errors";
import type { GeneratedImage, ProviderCallContext } from "./types";
import { imageSize } from "./image-size";

type Ctx = Pick<ProviderCallContext, "fetch" | "signal" | "requestTimeoutMs" | "apiKey" | "now">;

/** A provider's error response, read once so an adapter can classify it. */
export interface HttpFailure {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  body: unknown;
  /** A short human-readable reason taken from the body (key already redacted). */
  detail: string;
  retryAfterMs?: number;
}

/** Removes the key from text a provider sent back (some echo it in their error messages). */
export function redact(text: string, apiKey: string | undefined): string {
  return apiKey ? text.split(apiKey).join("[redacted]") : text;
}

/** Maps an exception thrown while a request or its body was in flight. */
function transportError(
  e: unknown,
  signal: AbortSignal,
  provider: string,
  what: string,
  apiKey?: string,
): ProviderError {
  if (e instanceof ProviderError) return e;
  const name = e instanceof Error ? e.name : "";
  if (signal.aborted || name === "TimeoutError" || name === "AbortError") {
    return new ProviderError({
      code: "provider_timeout",
      message: `${provider}: ${what} timed out or was aborted`,
      provider,
    });
  }
  // The cause's text is the runtime's ("fetch failed", ECONNREFUSED…): it never holds headers.
  const reason = redact(e instanceof Error ? e.message : String(e), apiKey);
  return new ProviderError({
    code: "provider_network_error",
    message: `${provider}: ${what} failed: ${reason}`,
    provider,
    cause: e,
  });
}

/** One HTTP call bounded by both the job's signal and the per-request timeout. */
export async function fetchWithTimeout(
  ctx: Ctx,
  url: string,
  init: RequestInit,
  provider: string,
): Promise<Response> {
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.requestTimeoutMs)]);
  try {
    const res = await ctx.fetch(url, { ...init, signal });
    return withSignal(res, signal);
  } catch (e) {
    throw transportError(e, signal, provider, `${init.method ?? "GET"} ${pathOf(url)}`, ctx.apiKey);
  }
}

/** The path only: signed query strings stay out of error messages. */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "(invalid URL)";
  }
}

// The body is still streaming after fetch resolves; remember its signal so readers map a
// timeout that fires mid-body the same way.
const SIGNALS = new WeakMap<Response, AbortSignal>();
function withSignal(res: Response, signal: AbortSignal): Response {
  SIGNALS.set(res, signal);
  return res;
}

async function readBody<T>(res: Response, provider: string, read: (r: Response) => Promise<T>): Promise<T> {
  const signal = SIGNALS.get(res) ?? new AbortController().signal;
  try {
    return await read(res);
  } catch (e) {
    throw transportError(e, signal, provider, "reading the response");
  }
}

/** Reads a success body as bytes (a timeout mid-body maps like one before it). */
export async function readBytes(res: Response, provider: string): Promise<Uint8Array> {
  return new Uint8Array(await readBody(res, provider, (r) => r.arrayBuffer()));
}

/** Parses a success body as JSON; anything unparsable is provider_invalid_response. */
export async function readJson(res: Response, provider: string): Promise<unknown> {
  const text = await readBody(res, provider, (r) => r.text());
  try {
    return JSON.parse(text);
  } catch {
    throw invalidResponse(provider, `body is not JSON (HTTP ${res.status})`);
  }
}

export function invalidResponse(provider: string, why: string): ProviderError {
  return new ProviderError({
    code: "provider_invalid_response",
    message: `${provider}: invalid response: ${why}`,
    provider,
  });
}

function detailOf(body: unknown, text: string): string {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const nested =
      b.error && typeof b.error === "object" ? (b.error as Record<string, unknown>).message : undefined;
    // RFC 9457 bodies (Replicate) split the reason into a title and a detail: keep both.
    if (typeof b.title === "string" && typeof b.detail === "string" && !b.detail.startsWith(b.title)) {
      return `${b.title}: ${b.detail}`;
    }
    for (const v of [nested, b.error, b.detail, b.message, b.title]) if (typeof v === "string" && v) return v;
    // Stability: {id, name, errors: ["..."]}.
    if (Array.isArray(b.errors) && b.errors.length > 0) return `${b.name ?? "error"}: ${b.errors.join("; ")}`;
  }
  return text.trim();
}

/** Reads an error response: status, JSON body if any, a short detail and Retry-After. */
export async function readFailure(res: Response, ctx: Ctx, provider: string): Promise<HttpFailure> {
  const text = await readBody(res, provider, (r) => r.text()).catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const detail = redact(detailOf(body, text), ctx.apiKey).slice(0, 300);
  const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), ctx.now());
  return { status: res.status, headers: res.headers, body, detail, retryAfterMs };
}

/** Builds the ProviderError for a failure; `classify` refines the generic status mapping. */
export function failureError(
  failure: HttpFailure,
  provider: string,
  classify?: (f: HttpFailure) => ProviderErrorCode | undefined,
): ProviderError {
  const code = classify?.(failure) ?? codeForStatus(failure.status);
  const message = `${provider}: HTTP ${failure.status}${failure.detail ? `: ${failure.detail}` : ""}`;
  return new ProviderError({
    code,
    message,
    provider,
    status: failure.status,
    retryAfterMs: failure.retryAfterMs,
  });
}

/** readFailure + failureError in one step. */
export async function errorFromResponse(
  res: Response,
  ctx: Ctx,
  provider: string,
  classify?: (f: HttpFailure) => ProviderErrorCode | undefined,
): Promise<ProviderError> {
  return failureError(await readFailure(res, ctx, provider), provider, classify);
}

/** Measures bytes a provider sent as an image; anything not PNG/JPEG/WebP is rejected. */
export function imageFromBytes(bytes: Uint8Array, provider: string): Omit<GeneratedImage, "seed"> {
  const info = imageSize(bytes);
  if (!info)
    throw invalidResponse(provider, `image of ${bytes.length} bytes is not a readable PNG, JPEG or WebP`);
  return { bytes, contentType: info.contentType, width: info.width, height: info.height };
}

/** Decodes standard base64 (OpenAI's b64_json, data: URLs) without Node's Buffer. */
export function decodeBase64(b64: string, provider: string): Uint8Array {
  try {
    const bin = atob(b64.replace(/\s+/g, ""));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    throw invalidResponse(provider, "image is not valid base64");
  }
}

/**
 * Fetches a provider's image URL at once (they are signed and expire) with no credentials.
 * A refused URL (403/404/410: expired or never valid) is provider_invalid_response: the image
 * is gone and a retry of the download cannot bring it back; a 5xx is provider_unavailable.
 */
export async function downloadImage(
  ctx: Ctx,
  url: string,
  provider: string,
): Promise<Omit<GeneratedImage, "seed">> {
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    return imageFromBytes(decodeBase64(url.slice(comma + 1), provider), provider);
  }
  const res = await fetchWithTimeout(ctx, url, { method: "GET" }, provider);
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    const code: ProviderErrorCode = res.status >= 500 ? "provider_unavailable" : "provider_invalid_response";
    const message = `${provider}: image download failed with HTTP ${res.status} (expired or refused URL)`;
    throw new ProviderError({ code, message, provider, status: res.status });
  }
  const type = (res.headers.get("content-type") ?? "").toLowerCase();
  if (!type.startsWith("image/")) {
    await res.body?.cancel().catch(() => undefined);
    throw invalidResponse(provider, `image URL served content-type "${type}"`);
  }
  const buf = await readBody(res, provider, (r) => r.arrayBuffer());
  return imageFromBytes(new Uint8Array(buf), provider);
}
