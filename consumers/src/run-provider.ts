// Calls one provider for one job: a bounded time budget, and a couple of quick retries within
// the invocation (p-retry, with jitter and Retry-After) for blips that clear in a second or two.
// Every try holds its own pacing slot, so quick retries never bypass the instance's limits.
import pRetry, { AbortError } from "p-retry";
import type { ConsumerConfig } from "../../shared/config";
import type { ProviderName } from "../../shared/jobs/enums";
import { isTextInput, type JobInput } from "../../shared/jobs/job-input";
import { ProviderError } from "../../shared/providers/errors";
import {
  type GatewayAnswer,
  type GatewayCall,
  gatewayBaseUrl,
  gatewayFetch,
  isGatewayProvider,
  workersAiGatewayOption,
} from "../../shared/providers/gateway";
import { type GatewaySource, resolveGatewayCall } from "../../shared/providers/gateway-call";
import { getProvider, hasRun, resolveProviderConfig } from "../../shared/providers/registry";
import { estimateTextCostUsd, textCostUsd } from "../../shared/providers/text";
import type {
  ProviderAdapter,
  ProviderCallContext,
  ProviderResult,
  TextInput,
  TextResult,
  WorkersAiBinding,
} from "../../shared/providers/types";
import { log } from "./log";
import type { Gate, GrantedGate } from "./pacing";
import type { ReleaseOutcome } from "./pacing-types";

/** What one provider call gave: images or text, by the job's type, and what it cost. */
export type ProviderRun =
  | { kind: "images"; result: ProviderResult; costUsd: number }
  | { kind: "text"; result: TextResult; costUsd: number };

const QUICK_RETRIES = 2;
/** A Retry-After longer than this is left to the queue-level retry instead of held in-process. */
const QUICK_RETRY_MAX_WAIT_MS = 2_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function callProvider(
  env: Record<string, unknown>,
  config: ConsumerConfig,
  name: ProviderName,
  input: JobInput,
  apiKey?: string,
  gatewaySource?: GatewaySource,
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
    const gateway = await resolveGatewayCall(env, gatewaySource, name);
    const ctx: ProviderCallContext = {
      apiKey: key,
      baseUrl: settings.baseUrl,
      model: settings.model,
      signal: AbortSignal.timeout(config.PROVIDER_CALL_TIMEOUT_MS),
      requestTimeoutMs: config.PROVIDER_REQUEST_TIMEOUT_MS,
      fetch: (req, init) => fetch(req, init),
      ...(hasRun(env.AI) ? { ai: env.AI } : {}),
      sleep,
      now: () => Date.now(),
    };
    const routed = gateway ? throughGateway(ctx, gateway, name) : ctx;
    if (isTextInput(input)) return await runText(adapter, input, routed);
    const result = await adapter.generate(input, routed);
    return { kind: "images", result, costUsd: adapter.estimateCostUsd(input, settings.model) };
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

/** A text call, costed from the usage the provider reported (else from the job's token allowance). */
async function runText(
  adapter: ProviderAdapter,
  input: TextInput,
  ctx: ProviderCallContext,
): Promise<ProviderRun> {
  const text = adapter.text;
  if (!text) {
    throw new ProviderError({
      code: "provider_unsupported_input",
      provider: adapter.name,
      message: `${adapter.name} does not run text.generate jobs`,
    });
  }
  const result = await text.generate(input, ctx);
  const costUsd = result.usage
    ? textCostUsd(text.prices, result.usage, result.model)
    : estimateTextCostUsd(text.prices, input, result.model);
  return { kind: "text", result, costUsd };
}

/** The call context routed through the instance's AI Gateway (the base URL, fetch or AI binding). */
function throughGateway(
  ctx: ProviderCallContext,
  gateway: GatewayCall,
  name: ProviderName,
): ProviderCallContext {
  if (!isGatewayProvider(name)) return ctx;
  if (name === "workers-ai") {
    const ai = ctx.ai;
    if (!ai) return ctx;
    const option = workersAiGatewayOption(gateway);
    const routed: WorkersAiBinding = {
      run: (model, inputs, opts) => ai.run(model, inputs, { ...opts, gateway: option }),
    };
    return { ...ctx, ai: routed };
  }
  // The gateway's log id ties our job to its log entry; the cache status says whether we paid.
  const seen = (answer: GatewayAnswer) =>
    log("info", "ai gateway answered", {
      provider: name,
      job_id: gateway.metadata.job_id,
      status: answer.status,
      cf_aig_log_id: answer.logId,
      cf_aig_cache_status: answer.cacheStatus,
    });
  return {
    ...ctx,
    baseUrl: gatewayBaseUrl(gateway, name),
    fetch: gatewayFetch(ctx.fetch, gateway, name, seen),
  };
}

export interface QuickRetryRequest {
  env: Record<string, unknown>;
  config: ConsumerConfig;
  provider: ProviderName;
  input: JobInput;
  apiKey?: string;
  /** The instance's AI Gateway settings and the job's ids (its metadata there). */
  gateway?: GatewaySource;
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
        const run = await callProvider(req.env, req.config, req.provider, req.input, req.apiKey, req.gateway);
        const tokensUsed = run.kind === "text" ? run.result.usage?.totalTokens : undefined;
        await gate.release("success", { costUsd: run.costUsd, tokensUsed });
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
