// The console's only way to the server: the public REST API, with the signed-in key as a bearer
// token. The key lives in sessionStorage (this tab only, gone when it closes).
const KEY_STORAGE = "genqueue.apiKey";

export function getKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function clearKey() {
  sessionStorage.removeItem(KEY_STORAGE);
}

/** An API error: the RFC 9457 problem body when there is one. */
export class ApiError extends Error {
  constructor(status, problem) {
    const detail = problem?.detail ?? problem?.title ?? `HTTP ${status}`;
    const fields = (problem?.errors ?? []).map((e) =>
      `${e.path ?? e.pointer ?? ""} ${e.message ?? ""}`.trim(),
    );
    super(fields.length ? `${detail} (${fields.join("; ")})` : detail);
    this.status = status;
    this.code = problem?.code ?? null;
    this.requestId = problem?.request_id ?? null;
  }
}

/** A query string from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Calls the API; JSON in and out. Resolves to the parsed body (null for 204), throws ApiError. */
export async function api(method, path, body, headers = {}) {
  const init = { method, headers: { authorization: `Bearer ${getKey()}`, ...headers } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    // A key revoked or expired mid-session: the shell signs out (main.js listens).
    if (res.status === 401) window.dispatchEvent(new CustomEvent("genqueue:unauthorized"));
    throw new ApiError(res.status, data);
  }
  return data;
}

/** Every page of a cursor-paginated list, up to `max` items. */
export async function listAll(path, params = {}, max = 500) {
  const items = [];
  let cursor;
  do {
    const page = await api("GET", `${path}${query({ ...params, limit: 100, cursor })}`);
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

/** An image of a job as a blob URL: image URLs need the key, so an <img src> cannot load them. */
export async function imageBlobUrl(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${getKey()}` } });
  if (!res.ok) throw new ApiError(res.status, null);
  return URL.createObjectURL(await res.blob());
}

let enumsCache;
/** Providers and aspect ratios, read from the public /openapi.json so the console follows the API. */
export async function apiEnums() {
  if (!enumsCache) {
    enumsCache = fetch("/openapi.json")
      .then((r) => r.json())
      .then((doc) => {
        const schemas = doc.components?.schemas ?? {};
        const body = schemas.CreateImageJobRequest?.properties ?? {};
        const input = schemas.ImageInput?.properties ?? {};
        return {
          providers: body.provider?.enum ?? ["demo"],
          aspectRatios: input.aspect_ratio?.enum ?? ["1x1"],
          jobStatuses: schemas.Job?.properties?.status?.enum ?? [],
        };
      })
      .catch(() => ({ providers: ["demo"], aspectRatios: ["1x1"], jobStatuses: [] }));
  }
  return enumsCache;
}
