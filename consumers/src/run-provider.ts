// Calls one provider for one job: a bounded time budget, and a couple of quick retries within
// the invocation (p-retry, with jitter and Retry-After) for blips that clear in a second or two.
// Every try holds its own pacing slot, so quick retries never bypass the instance's limits.
import pRetry, { AbortError } from "p-retry";
import type { ConsumerConfig } from "../../shared/config";
import type { ProviderName } from "../../shared/jobs/enums";
import type { ImageInput } from "../../shared/jobs/input";
import { ProviderError } from "../../shared/providers/errors";
import { getProvider, hasRun, resolveProviderConfig } from "../../shared/providers/registry";
import type { ProviderResult } from "../../shared/providers/types";
import type { Gate, GrantedGate } from "./pacing";
import type { ReleaseOutcome } from "./pacing-types";

export interface ProviderRun {
  result: ProviderResult;
  costUsd: number;
}

const QUICK_RETRIES = 2;
/** A Retry-After longer than this is left to the queue-level retry instead of held in-process. */
const QUICK_RETRY_MAX_WAIT_MS = 2_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function callProvider(
  env: Record<string, unknown>,
  config: ConsumerConfig,
  name: ProviderName,
  input: ImageInput,
  apiKey?: string,
): Promise<ProviderRun> {
  const adapter = getProvider(name);
  const settings = resolveProviderConfig(env, name);
  const key = apiKey ?? settings.apiKey;
  if (adapter.requiresKey && !key) {
    throw new ProviderError({
      code: "provider_not_configured",
      provider: name,
      message: `No API key is configured for ${name} (set ${name.toUpperCase()}_API_KEY or an instance key)`,
    });
  }
  try {
    const result = await adapter.generate(input, {
      apiKey: key,
      baseUrl: settings.baseUrl,
      model: settings.model,
      signal: AbortSignal.timeout(config.PROVIDER_CALL_TIMEOUT_MS),
      requestTimeoutMs: config.PROVIDER_REQUEST_TIMEOUT_MS,
      fetch: (req, init) => fetch(req, init),
      ...(hasRun(env.AI) ? { ai: env.AI } : {}),
      sleep,
      now: () => Date.now(),
    });
    return { result, costUsd: adapter.estimateCostUsd(input, settings.model) };
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throw new ProviderError({
      code: "provider_invalid_response",
      provider: name,
      message: `${name}: unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
}

export interface QuickRetryRequest {
  env: Record<string, unknown>;
  config: ConsumerConfig;
  provider: ProviderName;
  input: ImageInput;
  apiKey?: string;
  /** The slot already granted for the first try. */
  firstGate: GrantedGate;
  /** Asks for a slot for a further try. */
  gateFor(): Promise<Gate>;
}

/** What the pacing object learns from a failed call (only outages feed the circuit breaker). */
function releaseOutcome(error: unknown): ReleaseOutcome {
  if (!(error instanceof ProviderError) || !error.retryable) return "permanent_failure";
  const limited = error.code === "provider_rate_limited" || error.code === "provider_inflight_limit";
  return limited ? "rate_limited" : "retryable_failure";
}

function isQuickRetryable(error: unknown): error is ProviderError {
  return (
    error instanceof ProviderError &&
    error.retryable &&
    !error.worthFallback &&
    (error.retryAfterMs ?? 0) <= QUICK_RETRY_MAX_WAIT_MS
  );
}

export async function runWithQuickRetries(req: QuickRetryRequest): Promise<ProviderRun> {
  let lastError: ProviderError | undefined;
  return pRetry(
    async (attemptNumber) => {
      const gate = attemptNumber === 1 ? req.firstGate : await req.gateFor();
      // No slot soon enough: stop here and let the queue-level retry take over.
      if (gate.kind === "denied") throw new AbortError(lastError ?? new Error("no pacing slot"));
      try {
        // Nothing between the token falling due and the request: any delay here bunches calls.
        await gate.untilDue();
        const run = await callProvider(req.env, req.config, req.provider, req.input, req.apiKey);
        await gate.release("success", { costUsd: run.costUsd });
        return run;
      } catch (error) {
        await gate.release(releaseOutcome(error), { error });
        if (!(error instanceof ProviderError) || !isQuickRetryable(error))
          throw new AbortError(error as Error);
        lastError = error;
        throw error;
      }
    },
    {
      retries: QUICK_RETRIES,
      minTimeout: 250,
      maxTimeout: QUICK_RETRY_MAX_WAIT_MS,
      randomize: true,
      onFailedAttempt: async ({ error, retryDelay }) => {
        // Honour Retry-After when it asks for more than the backoff would wait.
        const extra = (error instanceof ProviderError ? (error.retryAfterMs ?? 0) : 0) - retryDelay;
        if (extra > 0) await sleep(extra);
      },
    },
  );
}
