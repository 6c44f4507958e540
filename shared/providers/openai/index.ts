// OpenAI Images: one JSON POST per call; gpt-image models answer with base64, DALL·E with
// URLs we download at once. dall-e-3 takes n=1 only, so a job of n images makes n calls.
import * as z from "../../zod-mini";
import { aspectRatios } from "../../jobs/enums";
import type { ProviderErrorCode } from "../errors";
import { checkInput, ratioParts, requireKey } from "../guards";
import {
  type HttpFailure,
  decodeBase64,
  downloadImage,
  failureError,
  fetchWithTimeout,
  imageFromBytes,
  invalidResponse,
  readFailure,
  readJson,
} from "../http";
import { estimateCostUsd } from "../prices";
import type {
  GeneratedImage,
  ImageInput,
  ProviderAdapter,
  ProviderCallContext,
  ProviderPrices,
  TextPrices,
} from "../types";
import { chatCompletion } from "./chat";
import { parseResetDuration } from "./reset";

const NAME = "openai";
const DEFAULT_MODEL = "gpt-image-1";
const isGptImage = (model: string) => model.startsWith("gpt-image");
// OpenAI's image pricing (2025; check before relying on it for billing), at the quality
// openaiBody pins: gpt-image-1 medium, dall-e-3 standard. Wide = the 1536 / 1792 canvases.
const PRICES: ProviderPrices = {
  defaultModel: DEFAULT_MODEL,
  models: {
    "gpt-image-1": { perImage: 0.042, perImageWide: 0.063 },
    "dall-e-3": { perImage: 0.04, perImageWide: 0.08 },
    "dall-e-2": { perImage: 0.02 },
  },
};

// openai.com/api/pricing (standard tier, per million tokens), read 2025-12; check before billing.
export const OPENAI_TEXT_PRICES: TextPrices = {
  defaultModel: "gpt-4o-mini",
  models: {
    "gpt-4o-mini": { inputPerMTok: 0.15, outputPerMTok: 0.6 },
    "gpt-4o": { inputPerMTok: 2.5, outputPerMTok: 10 },
    "gpt-4.1-nano": { inputPerMTok: 0.1, outputPerMTok: 0.4 },
    "gpt-4.1-mini": { inputPerMTok: 0.4, outputPerMTok: 1.6 },
    "gpt-4.1": { inputPerMTok: 2, outputPerMTok: 8 },
  },
};

/** OpenAI offers three canvases per model; the aspect ratio picks the one of the same shape. */
export function openaiSize(model: string, ratio: string): string {
  if (model === "dall-e-2") return "1024x1024";
  const [w, h] = ratioParts(ratio);
  const long = model === "dall-e-3" ? 1792 : 1536;
  if (w === h) return "1024x1024";
  return w > h ? `${long}x1024` : `1024x${long}`;
}

/** The request body of one call; quality is pinned so the price estimate holds. */
export function openaiBody(model: string, input: ImageInput, n: number): Record<string, unknown> {
  // OpenAI has no negative prompt: say it in the prompt instead.
  const prompt = input.negative_prompt ? `${input.prompt}\n\nAvoid: ${input.negative_prompt}` : input.prompt;
  const body: Record<string, unknown> = { model, prompt, n, size: openaiSize(model, input.aspect_ratio) };
  if (isGptImage(model)) Object.assign(body, { quality: "medium", output_format: "png" });
  else if (model === "dall-e-3") body.quality = "standard";
  return body;
}

const ResponseSchema = z.object({
  data: z
    .array(
      z.object({
        b64_json: z.nullish(z.string()),
        url: z.nullish(z.string()),
        revised_prompt: z.nullish(z.string()),
      }),
    )
    .check(z.minLength(1)),
});

/** OpenAI puts the meaning of a 400 or 429 in `error.code` / `error.type`. */
export function classifyOpenAI(f: HttpFailure): ProviderErrorCode | undefined {
  const err = f.body && typeof f.body === "object" ? (f.body as { error?: unknown }).error : undefined;
  const e = err && typeof err === "object" ? (err as Record<string, unknown>) : {};
  const tags = [e.code, e.type].filter((t): t is string => typeof t === "string");
  if (f.status === 400 && tags.some((t) => t === "content_policy_violation" || t === "moderation_blocked")) {
    return "provider_safety_rejected";
  }
  if (tags.includes("billing_hard_limit_reached")) return "provider_quota_exceeded";
  if (f.status === 429 && tags.includes("insufficient_quota")) return "provider_insufficient_funds";
  return undefined;
}

async function callOnce(
  model: string,
  input: ImageInput,
  n: number,
  ctx: ProviderCallContext,
  apiKey: string,
) {
  const url = `${ctx.baseUrl.replace(/\/+$/, "")}/v1/images/generations`;
  const headers = { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" };
  const body = JSON.stringify(openaiBody(model, input, n));
  const res = await fetchWithTimeout(ctx, url, { method: "POST", headers, body }, NAME);
  if (!res.ok) {
    const failure = await readFailure(res, ctx, NAME);
    // Without Retry-After, the request-limit reset header says when a slot frees up.
    failure.retryAfterMs ??= parseResetDuration(res.headers.get("x-ratelimit-reset-requests"));
    throw failureError(failure, NAME, classifyOpenAI);
  }
  const parsed = ResponseSchema.safeParse(await readJson(res, NAME));
  if (!parsed.success) throw invalidResponse(NAME, "no data[] of images");
  const images: GeneratedImage[] = await Promise.all(
    parsed.data.data.map(async (d) => {
      if (d.b64_json) return { ...imageFromBytes(decodeBase64(d.b64_json, NAME), NAME), seed: null };
      if (d.url) return { ...(await downloadImage(ctx, d.url, NAME)), seed: null };
      throw invalidResponse(NAME, "image has neither b64_json nor url");
    }),
  );
  return { images, revisedPrompt: parsed.data.data[0]?.revised_prompt ?? undefined };
}

export const openaiProvider: ProviderAdapter = {
  name: NAME,
  capabilities: { jobTypes: ["image.generate", "text.generate"], aspectRatios, maxImages: 4 },
  defaultLimits: { ratePerSecond: 1, burst: 3, maxInFlight: 5 },
  requiresKey: true,
  defaultBaseUrl: "https://api.openai.com",
  prices: PRICES,

  estimateCostUsd: (input, model) => estimateCostUsd(PRICES, input, model),

  async generate(input, ctx) {
    const apiKey = requireKey(ctx, NAME);
    checkInput(input, openaiProvider.capabilities, NAME);
    const model = ctx.model ?? DEFAULT_MODEL;
    // dall-e-3 rejects n > 1: make one call per image, one after the other to stay in pace.
    const calls = model === "dall-e-3" ? input.num_images : 1;
    const perCall = model === "dall-e-3" ? 1 : input.num_images;
    const images: GeneratedImage[] = [];
    let revisedPrompt: string | undefined;
    for (let i = 0; i < calls; i++) {
      const out = await callOnce(model, input, perCall, ctx, apiKey);
      images.push(...out.images);
      revisedPrompt ??= out.revisedPrompt;
    }
    return { images, model, ...(revisedPrompt ? { revisedPrompt } : {}) };
  },

  text: {
    prices: OPENAI_TEXT_PRICES,
    // Tier 1's gpt-4o-mini limit (platform.openai.com/docs/guides/rate-limits): 200,000 TPM.
    defaultTokensPerMinute: 200_000,
    async generate(input, ctx) {
      requireKey(ctx, NAME);
      return chatCompletion(NAME, input.model ?? OPENAI_TEXT_PRICES.defaultModel, input, ctx);
    },
  },
};
