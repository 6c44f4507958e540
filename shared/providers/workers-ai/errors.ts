// Workers AI's documented errors (developers.cloudflare.com/workers-ai/platform/errors) as the
// binding throws them: `InferenceUpstreamError("<internal code>: <description>")`. Anything
// without a code (an AiInternalError, a dropped connection) is taken as transient.
import { ProviderError, type ProviderErrorCode } from "../errors";

const BY_CODE: Readonly<Record<number, ProviderErrorCode>> = {
  5007: "provider_bad_request", // no such model
  5004: "provider_bad_request", // invalid data
  3003: "provider_bad_request", // incomplete request
  3042: "provider_bad_request", // invalid model id
  5005: "provider_bad_request", // LoRA unsupported
  5019: "provider_bad_request", // deprecated SDK
  3006: "provider_bad_request", // request too large
  5018: "provider_forbidden", // private model
  3041: "provider_forbidden",
  5016: "provider_forbidden", // model terms not agreed
  3023: "provider_forbidden", // account blocked
  3007: "provider_timeout",
  3008: "provider_timeout", // aborted
  3036: "provider_quota_exceeded", // the daily free allocation is used up
  3040: "provider_unavailable", // out of capacity
};

export function workersAiError(error: unknown, provider: string): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = Number(/^(\d{4}):/.exec(message)?.[1]);
  return new ProviderError({
    code: BY_CODE[code] ?? "provider_unavailable",
    message: `${provider}: ${message}`.slice(0, 400),
    provider,
    cause: error,
  });
}
