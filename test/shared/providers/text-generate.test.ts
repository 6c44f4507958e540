// Contract tests of the text.generate adapters: OpenAI and an OpenAI-compatible server against
// their fakes over loopback (chat completions), Workers AI against a stand-in binding, the demo
// offline; then the token estimate and the cost arithmetic.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TextInput } from "../../../shared/jobs/input";
import { demoProvider } from "../../../shared/providers/demo";
import { DEMO_TEXT_MODEL } from "../../../shared/providers/demo/text";
import { openaiProvider } from "../../../shared/providers/openai";
import { openaiCompatibleProvider } from "../../../shared/providers/openai-compatible";
import { defaultProviderFor, runsJobType } from "../../../shared/providers/registry";
import { estimateTextCostUsd, estimateTokens, textCostUsd } from "../../../shared/providers/text";
import { workersAiProvider } from "../../../shared/providers/workers-ai";
import { startOpenAIFake } from "../../fakes/openai";
import { startOpenAICompatibleFake } from "../../fakes/openai-compatible";
import type { RunningFake } from "../../fakes/server";
import { failureOf, realCtx } from "./provider-context";

const chat = (overrides: Partial<TextInput> = {}): TextInput => ({
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Say hello to the harbor" },
  ],
  max_tokens: 64,
  ...overrides,
});

let openai: RunningFake;
let compatible: RunningFake;
beforeAll(async () => {
  [openai, compatible] = await Promise.all([startOpenAIFake(), startOpenAICompatibleFake()]);
});
afterAll(() => Promise.all([openai.close(), compatible.close()]));
beforeEach(() => {
  for (const fake of [openai, compatible]) {
    fake.configure({ failNext: [] });
    fake.reset();
  }
});

describe("openai chat completions", () => {
  it("sends the documented request and reads text, finish reason and usage", async () => {
    const result = await openaiProvider.text!.generate(chat({ temperature: 0.2 }), realCtx(openai.url));
    const req = openai.stats().lastRequest;
    expect(req?.path).toBe("/v1/chat/completions");
    expect(req?.headers.authorization).toBe("Bearer test-key");
    expect(req?.json).toEqual({
      model: "gpt-4o-mini",
      messages: chat().messages,
      max_tokens: 64,
      temperature: 0.2,
      stream: false,
    });
    expect(result).toEqual({
      text: "Echo w1 w2 w3 w4 w5 w6 w7",
      model: "gpt-4o-mini",
      finishReason: "stop",
      usage: { inputTokens: 7, outputTokens: 8, totalTokens: 15 },
    });
  });

  it("reports finish_reason length when max_tokens cuts the reply", async () => {
    const input = chat({
      messages: [{ role: "user", content: "[fake:words=50]" }],
      max_tokens: 5,
      model: "gpt-4.1",
    });
    const result = await openaiProvider.text!.generate(input, realCtx(openai.url));
    expect(result).toMatchObject({ finishReason: "length", model: "gpt-4.1", usage: { outputTokens: 5 } });
  });

  it("needs a key, and maps 401, 429 with Retry-After, 5xx and a context overflow", async () => {
    await failureOf(
      openaiProvider.text!.generate(chat(), realCtx(openai.url, { apiKey: undefined })),
      "provider_not_configured",
    );
    await failureOf(
      openaiProvider.text!.generate(chat(), realCtx(openai.url, { apiKey: "wrong" })),
      "provider_auth_failed",
    );
    openai.configure({ failNext: ["429"] });
    const limited = await failureOf(
      openaiProvider.text!.generate(chat(), realCtx(openai.url)),
      "provider_rate_limited",
    );
    expect(limited.retryAfterMs).toBe(12_000);
    openai.configure({ failNext: ["503"] });
    await failureOf(openaiProvider.text!.generate(chat(), realCtx(openai.url)), "provider_unavailable");
    const huge = chat({ messages: [{ role: "user", content: "word ".repeat(100_001) }] });
    await failureOf(openaiProvider.text!.generate(huge, realCtx(openai.url)), "provider_unsupported_input");
  });

  it("times out a call that never answers", async () => {
    openai.configure({ failNext: ["timeout"] });
    await failureOf(
      openaiProvider.text!.generate(chat(), realCtx(openai.url, { requestTimeoutMs: 200 })),
      "provider_timeout",
    );
  });
});

describe("an OpenAI-compatible server", () => {
  it("is called without a key when none is set, with the job's model", async () => {
    const result = await openaiCompatibleProvider.text!.generate(
      chat({ model: "qwen2.5:7b" }),
      realCtx(compatible.url, { apiKey: undefined }),
    );
    expect(compatible.stats().lastRequest?.headers.authorization).toBeUndefined();
    expect(result).toMatchObject({ model: "qwen2.5:7b", finishReason: "stop", usage: { totalTokens: 15 } });
  });

  it("sends the key when there is one, and runs no image jobs", async () => {
    await openaiCompatibleProvider.text!.generate(chat(), realCtx(compatible.url));
    expect(compatible.stats().lastRequest?.headers.authorization).toBe("Bearer test-key");
    expect(runsJobType("openai-compatible", "image.generate")).toBe(false);
    expect(runsJobType("openai-compatible", "text.generate")).toBe(true);
    expect(runsJobType("ideogram", "text.generate")).toBe(false);
  });
});

describe("workers ai text models", () => {
  it("runs the model through the binding with messages and reads response and usage", async () => {
    const calls: { model: string; inputs: Record<string, unknown> }[] = [];
    const ai = {
      run: async (model: string, inputs: Record<string, unknown>) => {
        calls.push({ model, inputs });
        return {
          response: "Hello, harbor.",
          usage: { prompt_tokens: 12, completion_tokens: 64, total_tokens: 76 },
        };
      },
    };
    const result = await workersAiProvider.text!.generate(chat(), realCtx("binding:", { ai }));
    expect(calls).toEqual([
      { model: "@cf/meta/llama-3.1-8b-instruct", inputs: { messages: chat().messages, max_tokens: 64 } },
    ]);
    // Workers AI names no finish reason: a reply that used every allowed token was cut.
    expect(result).toEqual({
      text: "Hello, harbor.",
      model: "@cf/meta/llama-3.1-8b-instruct",
      finishReason: "length",
      usage: { inputTokens: 12, outputTokens: 64, totalTokens: 76 },
    });
  });

  it("maps the binding's documented errors and a malformed output", async () => {
    const failing = { run: async () => Promise.reject(new Error("3040: Capacity temporarily exceeded")) };
    await failureOf(
      workersAiProvider.text!.generate(chat(), realCtx("binding:", { ai: failing })),
      "provider_unavailable",
    );
    const odd = { run: async () => ({ image: "not text" }) };
    await failureOf(
      workersAiProvider.text!.generate(chat(), realCtx("binding:", { ai: odd })),
      "provider_invalid_response",
    );
    await failureOf(workersAiProvider.text!.generate(chat(), realCtx("binding:")), "provider_not_configured");
  });
});

describe("demo text", () => {
  it("answers the same words for the same prompt, cut at max_tokens", async () => {
    const ctx = realCtx("offline:");
    const a = await demoProvider.text!.generate(chat(), ctx);
    const b = await demoProvider.text!.generate(chat(), ctx);
    expect(a).toEqual(b);
    expect(a.model).toBe(DEMO_TEXT_MODEL);
    expect(a.text.split(" ")).toHaveLength(24);
    const cut = await demoProvider.text!.generate(
      chat({ messages: [{ role: "user", content: "[demo:words=500]" }], max_tokens: 100 }),
      ctx,
    );
    expect(cut).toMatchObject({ finishReason: "length", usage: { outputTokens: 100 } });
  });

  it("obeys the failure marker as image jobs do", async () => {
    const input = chat({ messages: [{ role: "user", content: "[demo:fail=provider_unavailable]" }] });
    await failureOf(demoProvider.text!.generate(input, realCtx("offline:")), "provider_unavailable");
  });
});

describe("tokens and cost", () => {
  it("estimates the prompt at 4 characters a token plus framing, and the whole allowance", () => {
    const input = chat({ messages: [{ role: "user", content: "x".repeat(400) }], max_tokens: 1000 });
    expect(estimateTokens(input)).toEqual({ input: 104, output: 1000, total: 1104 });
  });

  it("prices usage per million tokens, an unknown model at the default's price", () => {
    const prices = openaiProvider.text!.prices;
    const usage = { inputTokens: 1_000_000, outputTokens: 500_000, totalTokens: 1_500_000 };
    expect(textCostUsd(prices, usage, "gpt-4o-mini")).toBe(0.45);
    expect(textCostUsd(prices, usage, "gpt-4o")).toBe(7.5);
    expect(textCostUsd(prices, usage, "no-such-model")).toBe(0.45);
    const input = chat({ messages: [{ role: "user", content: "x".repeat(3996) }], max_tokens: 10_000 });
    // 1,003 prompt tokens at $0.15/M and 10,000 at $0.60/M.
    expect(estimateTextCostUsd(prices, input)).toBe(0.00615);
  });

  it("runs text jobs on DEFAULT_TEXT_PROVIDER when it can, else the image default if it can, else the demo", () => {
    expect(defaultProviderFor({}, "text.generate")).toBe("demo");
    expect(defaultProviderFor({ DEFAULT_PROVIDER: "ideogram", IDEOGRAM_API_KEY: "k" }, "text.generate")).toBe(
      "demo",
    );
    expect(defaultProviderFor({ DEFAULT_PROVIDER: "openai", OPENAI_API_KEY: "k" }, "text.generate")).toBe(
      "openai",
    );
    const env = {
      DEFAULT_PROVIDER: "ideogram",
      IDEOGRAM_API_KEY: "k",
      DEFAULT_TEXT_PROVIDER: "openai-compatible",
    };
    expect(defaultProviderFor(env, "text.generate")).toBe("openai-compatible");
    expect(defaultProviderFor(env, "image.generate")).toBe("ideogram");
  });
});
