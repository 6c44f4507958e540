// Calls one provider for one job with a bounded time budget. Returns the adapter's result or
// throws a ProviderError; anything else an adapter throws is treated as an invalid response.
import type { ConsumerConfig } from "../../shared/config";
import type { ProviderName } from "../../shared/jobs/enums";
import type { ImageInput } from "../../shared/jobs/schemas";
import { ProviderError } from "../../shared/providers/errors";
import { getProvider, resolveProviderConfig } from "../../shared/providers/registry";
import type { ProviderResult } from "../../shared/providers/types";

export interface ProviderRun {
  result: ProviderResult;
  costUsd: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runProvider(
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
  const signal = AbortSignal.timeout(config.PROVIDER_CALL_TIMEOUT_MS);
  try {
    const result = await adapter.generate(input, {
      apiKey: key,
      baseUrl: settings.baseUrl,
      model: settings.model,
      signal,
      requestTimeoutMs: config.PROVIDER_REQUEST_TIMEOUT_MS,
      fetch: (req, init) => fetch(req, init),
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
