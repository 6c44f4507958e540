// Fake OpenAI-compatible server (a local LLM server such as Ollama or llama.cpp): chat completions
// only (openai-chat.ts), errors in OpenAI's shape, and a key checked only when it was sent (local
// servers usually take none; a hosted compatible API checks it).
import { CHAT_PATH, chatReply } from "./openai-chat";
import { err } from "./openai-rules";
import { type FakeOptions, type ProviderSpec, type RunningFake, startFake } from "./server";

export function fakeSpec(): ProviderSpec {
  return {
    name: "openai-compatible",
    authorized: (req, key) => !req.headers.authorization || req.headers.authorization === `Bearer ${key}`,
    errorKinds: [],
    handlerOutcomes: [],
    generationUnits: (req) => (req.method === "POST" && req.path === CHAT_PATH ? 1 : 0),
    errorReply(kind) {
      const status = Number(kind) || 500;
      if (status === 401)
        return err(401, {
          message: "Invalid API key",
          type: "invalid_request_error",
          code: "invalid_api_key",
        });
      if (status === 429)
        return err(
          429,
          { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" },
          { "retry-after": "2" },
        );
      return err(status, {
        message: status >= 500 ? "server error" : `Error ${status}`,
        type: status >= 500 ? "server_error" : "invalid_request_error",
      });
    },
    async handle(req, t) {
      if (req.path !== CHAT_PATH)
        return err(404, {
          message: `Invalid URL (${req.method} ${req.path})`,
          type: "invalid_request_error",
        });
      return chatReply(req, t);
    },
  };
}

export const startOpenAICompatibleFake = (opts?: FakeOptions): Promise<RunningFake> =>
  startFake(fakeSpec(), opts);
