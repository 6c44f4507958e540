// Fake OpenAI chat completions (POST /v1/chat/completions), shared by the OpenAI fake and the
// OpenAI-compatible one. Validates as the real API does (model and a non-empty messages array
// required, roles known, max_tokens a positive integer, temperature 0..2, unknown fields 400),
// answers `{id, object: "chat.completion", model, choices: [{message, finish_reason}], usage}`,
// counts tokens as words (so tests can predict usage), and cuts the reply at max_tokens with
// finish_reason "length". A user message containing `[fake:words=N]` asks for an N-word reply.
import type { FakeReply, FakeRequest, FakeTools } from "./spec";
import { bad, err } from "./openai-rules";

export const CHAT_PATH = "/v1/chat/completions";
const ROLES = new Set(["system", "user", "assistant", "developer", "tool"]);
const KNOWN = new Set([
  "model",
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "stream",
  "n",
  "top_p",
  "stop",
  "user",
]);
const WORDS = /\[fake:words=(\d+)\]/;

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

function invalid(body: Record<string, unknown>): FakeReply | undefined {
  for (const key of Object.keys(body))
    if (!KNOWN.has(key)) return bad(`Unrecognized request argument supplied: ${key}`, key, null);
  if (typeof body.model !== "string" || body.model === "")
    return bad("you must provide a model parameter", "model", null);
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return bad("[] is too short - 'messages'", "messages", "empty_array");
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    const msg = m as { role?: unknown; content?: unknown } | null;
    if (!msg || typeof msg.role !== "string" || !ROLES.has(msg.role))
      return bad(`Invalid value for 'messages[${i}].role'`, `messages[${i}].role`, "invalid_value");
    if (typeof msg.content !== "string")
      return bad(`Invalid type for 'messages[${i}].content'`, `messages[${i}].content`, "invalid_type");
  }
  const max = body.max_tokens;
  if (max !== undefined && (!Number.isInteger(max) || (max as number) < 1))
    return bad("Invalid 'max_tokens': integer below minimum value.", "max_tokens", "integer_below_min_value");
  const temp = body.temperature;
  if (temp !== undefined && (typeof temp !== "number" || temp < 0 || temp > 2))
    return bad(
      "Invalid 'temperature': decimal above maximum value.",
      "temperature",
      "decimal_above_max_value",
    );
  if (body.stream === true) return bad("This fake answers stream: false only", "stream", null);
  return undefined;
}

export function chatReply(req: FakeRequest, t: FakeTools): FakeReply {
  if (req.bodyError || !req.json || typeof req.json !== "object")
    return bad("We could not parse the JSON body of your request.", null, null);
  const body = req.json as Record<string, unknown>;
  const refused = invalid(body);
  if (refused) return refused;
  const messages = body.messages as { role: string; content: string }[];
  const prompt = messages.reduce((n, m) => n + words(m.content), 0);
  const last = messages.findLast((m) => m.role === "user")?.content ?? "";
  const wanted = Number(WORDS.exec(last)?.[1] ?? 8);
  const max = (body.max_tokens as number | undefined) ?? Number.POSITIVE_INFINITY;
  const count = Math.min(wanted, max);
  const content = Array.from({ length: count }, (_, i) => (i === 0 ? "Echo" : `w${i}`)).join(" ");
  if (prompt > 100_000)
    return err(400, {
      message: "This model's maximum context length is 128000 tokens.",
      type: "invalid_request_error",
      code: "context_length_exceeded",
    });
  const json = {
    id: `chatcmpl-${Math.floor(t.rng() * 1e12).toString(36)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null },
        finish_reason: count < wanted ? "length" : "stop",
      },
    ],
    usage: { prompt_tokens: prompt, completion_tokens: count, total_tokens: prompt + count },
  };
  const headers = {
    "x-ratelimit-limit-tokens": "200000",
    "x-ratelimit-remaining-tokens": String(200_000 - prompt - count),
    "x-ratelimit-reset-tokens": "6m0s",
  };
  return { status: 200, json, headers };
}
