// The OpenAI chat completions contract (POST {base}/v1/chat/completions, Bearer key, JSON), which
// OpenAI and every OpenAI-compatible server (vLLM, llama.cpp, Ollama, LM Studio…) speak: one
// non-streaming call per job. Errors read as OpenAI documents them; a 429 without Retry-After
// says when to look again in its reset headers.
import * as z from "../../zod-mini";
import type { TextInput } from "../../jobs/input";
import type { ProviderErrorCode } from "../errors";
import {
  type HttpFailure,
  failureError,
  fetchWithTimeout,
  invalidResponse,
  readFailure,
  readJson,
} from "../http";
import type { ProviderCallContext, TextResult } from "../types";
import { classifyOpenAI } from "./index";
import { parseResetDuration } from "./reset";

const ChatResponseSchema = z.object({
  model: z.optional(z.string()),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.nullish(z.string()), refusal: z.nullish(z.string()) }),
        finish_reason: z.nullish(z.string()),
      }),
    )
    .check(z.minLength(1)),
  usage: z.nullish(
    z.object({
      prompt_tokens: z.number(),
      completion_tokens: z.number(),
      total_tokens: z.optional(z.number()),
    }),
  ),
});

/** The request body: only the fields every compatible server takes. */
export function chatBody(model: string, input: TextInput): Record<string, unknown> {
  return {
    model,
    messages: input.messages.map(({ role, content }) => ({ role, content })),
    max_tokens: input.max_tokens,
    ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    stream: false,
  };
}

/** A refused prompt (moderation) or a context overflow cannot succeed on a retry. */
function classifyChat(f: HttpFailure): ProviderErrorCode | undefined {
  const err = f.body && typeof f.body === "object" ? (f.body as { error?: unknown }).error : undefined;
  const code = err && typeof err === "object" ? (err as { code?: unknown }).code : undefined;
  if (code === "context_length_exceeded") return "provider_unsupported_input";
  return classifyOpenAI(f);
}

export async function chatCompletion(
  provider: string,
  model: string,
  input: TextInput,
  ctx: ProviderCallContext,
): Promise<TextResult> {
  const url = `${ctx.baseUrl.replace(/\/+$/, "")}/v1/chat/completions`;
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  // A local server may take no key; OpenAI always wants one (its adapter checks first).
  if (ctx.apiKey) headers.Authorization = `Bearer ${ctx.apiKey}`;
  const body = JSON.stringify(chatBody(model, input));
  const res = await fetchWithTimeout(ctx, url, { method: "POST", headers, body }, provider);
  if (!res.ok) {
    const failure = await readFailure(res, ctx, provider);
    // Text limits are requests and tokens per minute: wait for whichever resets later.
    failure.retryAfterMs ??= maxDefined(
      parseResetDuration(res.headers.get("x-ratelimit-reset-requests")),
      parseResetDuration(res.headers.get("x-ratelimit-reset-tokens")),
    );
    throw failureError(failure, provider, classifyChat);
  }
  const parsed = ChatResponseSchema.safeParse(await readJson(res, provider));
  if (!parsed.success) throw invalidResponse(provider, "no choices[] with a message");
  const choice = parsed.data.choices[0]!;
  const finishReason = choice.finish_reason ?? "stop";
  const text = choice.message.content ?? "";
  if (text === "" && choice.message.refusal)
    throw invalidResponse(provider, `refused: ${choice.message.refusal}`);
  const usage = parsed.data.usage;
  return {
    text,
    model: parsed.data.model ?? model,
    finishReason,
    usage: usage
      ? {
          inputTokens: usage.prompt_tokens,
          outputTokens: usage.completion_tokens,
          totalTokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
        }
      : null,
  };
}

function maxDefined(...values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
}
