// Provider failures as typed values. Adapters throw ProviderError; only the consumer decides
// what to do with one (retry now, retry later, move to a fallback provider, fail the job).
import * as z from "../zod-mini";

export const providerErrorCodes = [
  // retryable
  "provider_timeout",
  "provider_network_error",
  "provider_unavailable",
  "provider_rate_limited",
  "provider_inflight_limit",
  // permanent
  "provider_bad_request",
  "provider_auth_failed",
  "provider_insufficient_funds",
  "provider_quota_exceeded",
  "provider_forbidden",
  "provider_safety_rejected",
  "provider_invalid_response",
  "provider_not_configured",
  "provider_unsupported_input",
  "image_withheld_unsafe",
] as const;
export const ProviderErrorCode = z.enum(providerErrorCodes);
export type ProviderErrorCode = z.infer<typeof ProviderErrorCode>;

const RETRYABLE: ReadonlySet<ProviderErrorCode> = new Set([
  "provider_timeout",
  "provider_network_error",
  "provider_unavailable",
  "provider_rate_limited",
  "provider_inflight_limit",
]);

/** Failures another provider may not share: a reason to move along the fallback chain. */
const PROVIDER_SPECIFIC: ReadonlySet<ProviderErrorCode> = new Set([
  "provider_unavailable",
  "provider_insufficient_funds",
  "provider_quota_exceeded",
  "provider_inflight_limit",
  "provider_auth_failed",
  "provider_not_configured",
]);

export interface ProviderErrorInit {
  code: ProviderErrorCode;
  message: string;
  provider: string;
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

export class ProviderError extends Error {
  override readonly name = "ProviderError";
  readonly code: ProviderErrorCode;
  readonly provider: string;
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(init: ProviderErrorInit) {
    super(init.message, { cause: init.cause });
    this.code = init.code;
    this.provider = init.provider;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  /** True when another provider of the chain may well succeed where this one failed. */
  get worthFallback(): boolean {
    return PROVIDER_SPECIFIC.has(this.code);
  }
}

/** Parses a Retry-After header (delta seconds or HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Maps an HTTP status with no more specific meaning to a code. */
export function codeForStatus(status: number): ProviderErrorCode {
  if (status === 401) return "provider_auth_failed";
  if (status === 402) return "provider_insufficient_funds";
  if (status === 403) return "provider_forbidden";
  if (status === 408) return "provider_timeout";
  if (status === 429) return "provider_rate_limited";
  if (status >= 500) return "provider_unavailable";
  return "provider_bad_request";
}
