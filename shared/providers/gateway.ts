// Cloudflare AI Gateway, per instance: the pure parts. Which of our providers the gateway knows
// and under which slug, the gateway URL standing in for a provider's base URL, the cf-aig-*
// headers, and a fetch that adds them to calls to the gateway only (never to image downloads
// from a provider's CDN). Docs: developers.cloudflare.com/ai-gateway (providers, caching,
// custom metadata, request handling).
import type { ProviderName } from "./names";

/** The real gateway; AI_GATEWAY_BASE_URL replaces it (a local fake in tests). */
export const DEFAULT_AI_GATEWAY_ORIGIN = "https://gateway.ai.cloudflare.com";
export const AI_GATEWAY_ORIGIN_VAR = "AI_GATEWAY_BASE_URL";

/**
 * Providers the gateway proxies, with the path prefix our adapters put after their base URL that
 * the gateway's path leaves out: OpenAI's and Replicate's docs say to replace `…/v1` with the
 * gateway URL, Ideogram's keep `/v1/ideogram-v3/…` after it. Workers AI goes through the AI
 * binding's `gateway` option instead. Stability AI is no AI Gateway provider; demo calls nothing.
 */
export const gatewayRoutes = {
  openai: { slug: "openai", dropPrefix: "/v1" },
  replicate: { slug: "replicate", dropPrefix: "/v1" },
  ideogram: { slug: "ideogram", dropPrefix: "" },
  "workers-ai": { slug: "workers-ai", dropPrefix: "" },
} as const satisfies Partial<Record<ProviderName, { slug: string; dropPrefix: string }>>;
export type GatewayProvider = keyof typeof gatewayRoutes;
export const gatewayProviders = Object.keys(gatewayRoutes) as [GatewayProvider, ...GatewayProvider[]];

export function isGatewayProvider(name: string): name is GatewayProvider {
  return Object.hasOwn(gatewayRoutes, name);
}

/** Cache TTL bounds: the gateway caches for 1 month at most (AI Gateway limits). */
export const GATEWAY_CACHE_TTL_MAX_SECONDS = 30 * 24 * 3600;
/** The gateway keeps the first 5 entries of cf-aig-metadata and drops the rest. */
export const GATEWAY_METADATA_MAX_ENTRIES = 5;

/** An instance's gateway as stored (instances.ai_gateway); the token only as ciphertext. */
export interface StoredAiGateway {
  accountId: string;
  gatewayId: string;
  providers: GatewayProvider[];
  /** Seconds the gateway may cache a generation; null: the gateway's own default. */
  cacheTtlSeconds: number | null;
  skipCache: boolean;
  /** The authenticated gateway's token (cf-aig-authorization), sealed like provider keys. */
  tokenCiphertext: string | null;
}

/** What one call through the gateway needs: the stored settings with the token in plaintext. */
export interface GatewayCall {
  origin: string;
  accountId: string;
  gatewayId: string;
  token?: string;
  cacheTtlSeconds: number | null;
  skipCache: boolean;
  /** Who the call is for, shown in the gateway's logs (at most 5 entries are kept). */
  metadata: Record<string, string>;
}

/** The AAD of the sealed token: bound to its instance, so a copied row does not decrypt. */
export function gatewayTokenAad(instanceId: string): string {
  return `${instanceId}:ai-gateway`;
}

/** The instance's gateway for `provider`, or null when it has none or routes it directly. */
export function gatewayFor(stored: StoredAiGateway | null, provider: string): StoredAiGateway | null {
  return stored && isGatewayProvider(provider) && stored.providers.includes(provider) ? stored : null;
}

/** The base URL an adapter uses in place of its provider's: `{origin}/v1/{account}/{gateway}/{slug}`. */
export function gatewayBaseUrl(
  call: Pick<GatewayCall, "origin" | "accountId" | "gatewayId">,
  provider: GatewayProvider,
): string {
  const origin = call.origin.replace(/\/+$/, "");
  const parts = [call.accountId, call.gatewayId, gatewayRoutes[provider].slug].map(encodeURIComponent);
  return `${origin}/v1/${parts.join("/")}`;
}

/** Metadata within the gateway's limit: the first 5 entries, in the order given. */
export function gatewayMetadata(entries: Record<string, string | undefined>): Record<string, string> {
  const kept = Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined);
  return Object.fromEntries(kept.slice(0, GATEWAY_METADATA_MAX_ENTRIES));
}

/**
 * The cf-aig-* headers of one request. Reads (Replicate's polling GETs) always skip the cache: a
 * cached "starting" prediction would be polled until the budget ran out.
 */
export function gatewayHeaders(call: GatewayCall, method: string): Record<string, string> {
  const headers: Record<string, string> = { "cf-aig-metadata": JSON.stringify(call.metadata) };
  if (call.token) headers["cf-aig-authorization"] = `Bearer ${call.token}`;
  const read = method.toUpperCase() === "GET";
  if (call.skipCache || read) headers["cf-aig-skip-cache"] = "true";
  else if (call.cacheTtlSeconds !== null) headers["cf-aig-cache-ttl"] = String(call.cacheTtlSeconds);
  return headers;
}

/** Where a URL the adapter built against the gateway base really goes; null: not the gateway's. */
export function gatewayTarget(url: string, base: string, provider: GatewayProvider): string | null {
  if (url !== base && !url.startsWith(`${base}/`)) return null;
  const rest = url.slice(base.length);
  const drop = gatewayRoutes[provider].dropPrefix;
  return `${base}${drop && (rest === drop || rest.startsWith(`${drop}/`)) ? rest.slice(drop.length) : rest}`;
}

/** What the gateway said about a call (its response headers), for the consumer's log. */
export interface GatewayAnswer {
  logId: string | null;
  cacheStatus: string | null;
  status: number;
}

/**
 * `fetch` for an adapter routed through the gateway: calls under the gateway base URL get their
 * path mapped and the cf-aig-* headers; anything else (a CDN image download) goes out untouched.
 */
export function gatewayFetch(
  inner: typeof fetch,
  call: GatewayCall,
  provider: GatewayProvider,
  onAnswer?: (answer: GatewayAnswer) => void,
): typeof fetch {
  const base = gatewayBaseUrl(call, provider);
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const target = gatewayTarget(url, base, provider);
    if (target === null) return inner(input, init);
    // Adapters call with a URL string and an init (providers/http.ts); a Request is copied whole.
    const request = input instanceof Request ? new Request(target, input) : null;
    const headers = new Headers(init?.headers ?? request?.headers);
    const method = init?.method ?? request?.method ?? "GET";
    for (const [name, value] of Object.entries(gatewayHeaders(call, method))) headers.set(name, value);
    const res = await inner(request ?? target, { ...init, headers });
    onAnswer?.({
      logId: res.headers.get("cf-aig-log-id"),
      cacheStatus: res.headers.get("cf-aig-cache-status"),
      status: res.status,
    });
    return res;
  };
}

/** The AI binding's `gateway` option (Workers AI sends the cf-aig-* equivalents itself). */
export function workersAiGatewayOption(call: GatewayCall): {
  id: string;
  skipCache?: boolean;
  cacheTtl?: number;
  metadata: Record<string, string>;
} {
  return {
    id: call.gatewayId,
    ...(call.skipCache ? { skipCache: true } : {}),
    ...(!call.skipCache && call.cacheTtlSeconds !== null ? { cacheTtl: call.cacheTtlSeconds } : {}),
    metadata: call.metadata,
  };
}
