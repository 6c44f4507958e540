// Any server speaking OpenAI's chat completions contract (a local LLM server: llama.cpp, vLLM,
// Ollama, LM Studio; or a hosted compatible API), for text jobs only. Its base URL is
// OPENAI_COMPATIBLE_BASE_URL (Ollama's default below); a key (OPENAI_COMPATIBLE_API_KEY or an
// instance key) is sent when there is one, since local servers usually take none.
import { chatCompletion } from "../openai/chat";
import { ProviderError } from "../errors";
import type { ProviderAdapter, TextPrices } from "../types";

const NAME = "openai-compatible";
const DEFAULT_MODEL = "llama3.2";
// Self-hosted: no list price. An instance that pays per token sets its own (provider prices).
const TEXT_PRICES: TextPrices = { defaultModel: DEFAULT_MODEL, models: {} };

export const openaiCompatibleProvider: ProviderAdapter = {
  name: NAME,
  capabilities: { jobTypes: ["text.generate"], aspectRatios: [], maxImages: 0 },
  defaultLimits: { ratePerSecond: 5, burst: 5, maxInFlight: 4 },
  requiresKey: false,
  defaultBaseUrl: "http://localhost:11434",
  prices: { defaultModel: DEFAULT_MODEL, models: {} },
  estimateCostUsd: () => 0,

  async generate() {
    throw new ProviderError({
      code: "provider_unsupported_input",
      message: `${NAME}: runs text.generate jobs only`,
      provider: NAME,
    });
  },

  text: {
    prices: TEXT_PRICES,
    generate: (input, ctx) => chatCompletion(NAME, input.model ?? ctx.model ?? DEFAULT_MODEL, input, ctx),
  },
};
