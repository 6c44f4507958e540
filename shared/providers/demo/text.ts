// The demo provider's text jobs: offline and deterministic, so a text job runs with no key. The
// reply is made of words drawn from the last user message's hash, one word counted as one token,
// up to max_tokens (finish_reason "length" when it stops there). The image markers work here too
// ([demo:fail=<code>], [demo:delay=<ms>]), plus [demo:words=<n>] for a reply of n words (capped
// by max_tokens), which tests use to get a long output.
import type { TextInput } from "../../jobs/input";
import { estimateTokens } from "../text";
import type { ProviderCallContext, TextGenerator, TextResult } from "../types";
import { hashSeed } from "./render";

export const DEMO_TEXT_MODEL = "demo-text-v1";
const WORDS_MARKER = /\[demo:words=(\d+)\]/;
const DEFAULT_WORDS = 24;
const VOCABULARY = (
  "lighthouse harbor evening quiet amber tide lantern signal distant coast wave stone keeper " +
  "night compass north salt wind gull drift shore beacon calm horizon cloud"
).split(" ");

/** A tiny deterministic generator (mulberry32): the same prompt always gives the same reply. */
function wordsFrom(seed: number, count: number): string[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => VOCABULARY[Math.floor(next() * VOCABULARY.length)]!);
}

export function demoText(input: TextInput): TextResult {
  const prompt = input.messages.findLast((m) => m.role === "user")?.content ?? "";
  const wanted = Number(WORDS_MARKER.exec(prompt)?.[1] ?? DEFAULT_WORDS);
  const count = Math.min(wanted, input.max_tokens);
  const words = wordsFrom(hashSeed(prompt), count);
  const text = words.length > 0 ? `${words.join(" ")}.` : "";
  const inputTokens = estimateTokens(input).input;
  return {
    text,
    model: DEMO_TEXT_MODEL,
    finishReason: count < wanted ? "length" : "stop",
    usage: { inputTokens, outputTokens: count, totalTokens: inputTokens + count },
  };
}

/** Built by the demo adapter, which owns the markers' failure and delay handling. */
export function demoTextGenerator(
  beforeRun: (prompt: string, ctx: ProviderCallContext) => Promise<void>,
): TextGenerator {
  return {
    // Generated here, so free.
    prices: {
      defaultModel: DEMO_TEXT_MODEL,
      models: { [DEMO_TEXT_MODEL]: { inputPerMTok: 0, outputPerMTok: 0 } },
    },
    async generate(input, ctx) {
      await beforeRun(input.messages.findLast((m) => m.role === "user")?.content ?? "", ctx);
      return demoText(input);
    },
  };
}
