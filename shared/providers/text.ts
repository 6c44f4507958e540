// What text jobs share across providers: the token estimate that
// pacing and budgets reserve before a call, and the cost from a price table and usage.
// Pure: the adapters import it, so it imports no adapter (nor the registry).
import type { TextInput } from "../jobs/input";
import type { TextPrices, TokenUsage } from "./types";

/**
 * Tokens a call may use at most: the prompt, estimated at 4 characters a token plus a few for each
 * message's framing (the usual rule of thumb for English; providers' tokenizers differ), plus
 * every token the job allows itself to generate.
 */
export function estimateTokens(input: TextInput): { input: number; output: number; total: number } {
  const chars = input.messages.reduce((sum, m) => sum + m.content.length, 0);
  const prompt = Math.ceil(chars / 4) + 4 * input.messages.length;
  return { input: prompt, output: input.max_tokens, total: prompt + input.max_tokens };
}

function priceOf(prices: TextPrices, model?: string) {
  return (model && prices.models[model]) || prices.models[prices.defaultModel];
}

/** USD for `usage` on `model` (an unknown model at the default model's price), rounded to 1e-6. */
export function textCostUsd(prices: TextPrices, usage: TokenUsage, model?: string): number {
  const price = priceOf(prices, model);
  if (!price) return 0;
  const usd = (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1e6;
  return Math.round(usd * 1e6) / 1e6;
}

/** The most a text job can cost: its whole token estimate (what budgets reserve). */
export function estimateTextCostUsd(prices: TextPrices, input: TextInput, model?: string): number {
  const t = estimateTokens(input);
  return textCostUsd(prices, { inputTokens: t.input, outputTokens: t.output, totalTokens: t.total }, model);
}
