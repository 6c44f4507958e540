// Workers AI text models through the `AI` binding: `run(model, {messages, max_tokens,
// temperature})` answers `{response, usage?}` (the documented text-generation output). It names no
// finish reason, so a reply that used every allowed token is reported as "length".
import * as z from "../../zod-mini";
import { invalidResponse } from "../http";
import type { ProviderCallContext, TextGenerator, TextPrices, WorkersAiBinding } from "../types";
import { workersAiError } from "./errors";

const NAME = "workers-ai";
const LLAMA = "@cf/meta/llama-3.1-8b-instruct";
// developers.cloudflare.com/workers-ai/platform/pricing, read 2025-12 (per million tokens).
const TEXT_PRICES: TextPrices = {
  defaultModel: LLAMA,
  models: {
    [LLAMA]: { inputPerMTok: 0.282, outputPerMTok: 0.827 },
    "@cf/meta/llama-3.1-8b-instruct-fp8-fast": { inputPerMTok: 0.045, outputPerMTok: 0.384 },
    "@cf/meta/llama-3.3-70b-instruct-fp8-fast": { inputPerMTok: 0.293, outputPerMTok: 2.253 },
  },
};

const OutputSchema = z.object({
  response: z.string(),
  usage: z.optional(
    z.object({
      prompt_tokens: z.number(),
      completion_tokens: z.number(),
      total_tokens: z.optional(z.number()),
    }),
  ),
});

export function workersAiTextGenerator(
  bindingOf: (ctx: ProviderCallContext) => WorkersAiBinding,
): TextGenerator {
  return {
    prices: TEXT_PRICES,
    async generate(input, ctx) {
      const ai = bindingOf(ctx);
      const model = input.model ?? LLAMA;
      const inputs = {
        messages: input.messages.map(({ role, content }) => ({ role, content })),
        max_tokens: input.max_tokens,
        ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      };
      let output: unknown;
      try {
        output = await ai.run(model, inputs);
      } catch (error) {
        throw workersAiError(error, NAME);
      }
      const parsed = OutputSchema.safeParse(output);
      if (!parsed.success) throw invalidResponse(NAME, "no `response` text in the model's output");
      const usage = parsed.data.usage;
      return {
        text: parsed.data.response,
        model,
        finishReason: usage && usage.completion_tokens >= input.max_tokens ? "length" : "stop",
        usage: usage
          ? {
              inputTokens: usage.prompt_tokens,
              outputTokens: usage.completion_tokens,
              totalTokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
            }
          : null,
      };
    },
  };
}
