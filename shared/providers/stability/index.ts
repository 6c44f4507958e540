// Stability AI's Stable Image API (v2beta/stable-image/generate/{core|ultra|sd3}): one multipart
// POST per image, `authorization: Bearer`, answered with the image bytes themselves
// (`accept: image/*`) and the seed and finish reason in response headers, so nothing expires and
// nothing is downloaded afterwards. num_images > 1 is that many requests, in parallel.
import { aspectRatios as allRatios } from "../../jobs/enums";
import { ProviderError, type ProviderErrorCode } from "../errors";
import { checkInput, requireKey } from "../guards";
import {
  type HttpFailure,
  errorFromResponse,
  fetchWithTimeout,
  imageFromBytes,
  invalidResponse,
} from "../http";
import { estimateCostUsd } from "../prices";
import type {
  GeneratedImage,
  ImageInput,
  ProviderAdapter,
  ProviderCallContext,
  ProviderPrices,
} from "../types";
import { readImageBody } from "./body";

const NAME = "stability";

/** Our model names → the endpoint that serves them (sd3 models also send `model`). */
const ENDPOINTS = {
  core: "core",
  ultra: "ultra",
  "sd3.5-large": "sd3",
  "sd3.5-large-turbo": "sd3",
  "sd3.5-medium": "sd3",
  "sd3.5-flash": "sd3",
} as const;
export type StabilityModel = keyof typeof ENDPOINTS;

// platform.stability.ai/pricing, 2026-11 (credits at $0.01): Core 3, Ultra 8, SD 3.5 Large 6.5,
// Large Turbo 4, Medium 3.5, Flash 2.5 credits per image. Check before relying on it for billing.
const PRICES: ProviderPrices = {
  defaultModel: "core",
  models: {
    core: { perImage: 0.03 },
    ultra: { perImage: 0.08 },
    "sd3.5-large": { perImage: 0.065 },
    "sd3.5-large-turbo": { perImage: 0.04 },
    "sd3.5-medium": { perImage: 0.035 },
    "sd3.5-flash": { perImage: 0.025 },
  },
};

/** The aspect ratios Stability takes (it also has 21:9, 4:5, 5:4, 9:21, which we do not offer). */
const RATIOS = allRatios.filter((r) => ["1x1", "16x9", "9x16", "3x2", "2x3"].includes(r));
/** Stability's seed range is 0..4294967294; 0 means "random". */
const MAX_SEED = 4_294_967_294;

export function stabilityModel(model?: string): StabilityModel {
  const m = (model ?? "").toLowerCase();
  return m in ENDPOINTS ? (m as StabilityModel) : "core";
}

/** Stability's documented failures: `{id, name, errors[]}`; `name` says what the status does not. */
export function classifyStability(f: HttpFailure): ProviderErrorCode | undefined {
  const name = f.body && typeof f.body === "object" ? (f.body as { name?: unknown }).name : undefined;
  if (f.status === 403 && name === "content_moderation") return "provider_safety_rejected";
  if (f.status === 413) return "provider_bad_request";
  // 422: the request was understood and refused (e.g. `invalid_language`): not worth a retry.
  if (f.status === 422) return "provider_bad_request";
  return undefined;
}

const capabilities = { jobTypes: ["image.generate"], aspectRatios: RATIOS, maxImages: 4 } as const;

function form(input: ImageInput, model: StabilityModel, seed: number | undefined): FormData {
  const body = new FormData();
  body.append("prompt", input.prompt);
  if (input.negative_prompt) body.append("negative_prompt", input.negative_prompt);
  body.append("aspect_ratio", input.aspect_ratio.replace("x", ":"));
  if (seed !== undefined) body.append("seed", String(seed));
  body.append("output_format", "png");
  if (ENDPOINTS[model] === "sd3") body.append("model", model);
  return body;
}

async function generateOne(
  input: ImageInput,
  ctx: ProviderCallContext,
  apiKey: string,
  model: StabilityModel,
  seed: number | undefined,
): Promise<GeneratedImage> {
  const url = `${ctx.baseUrl.replace(/\/+$/, "")}/v2beta/stable-image/generate/${ENDPOINTS[model]}`;
  const res = await fetchWithTimeout(
    ctx,
    url,
    {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, accept: "image/*" },
      body: form(input, model, seed),
    },
    NAME,
  );
  if (!res.ok) throw await errorFromResponse(res, ctx, NAME, classifyStability);
  const answer = await readImageBody(res, NAME);
  // A filtered image still comes back 200, blurred: it is not the picture that was asked for.
  if (answer.finishReason === "CONTENT_FILTERED") {
    const message = `${NAME}: the image was withheld by the provider's content filter`;
    throw new ProviderError({ code: "image_withheld_unsafe", message, provider: NAME });
  }
  if (answer.finishReason !== "SUCCESS") {
    throw invalidResponse(NAME, `finish reason ${answer.finishReason || "(none)"}`);
  }
  return { ...imageFromBytes(answer.bytes, NAME), seed: answer.seed ?? seed ?? null };
}

export const stabilityProvider: ProviderAdapter = {
  name: NAME,
  capabilities,
  // Stability allows 150 requests per 10 s per account (then a 60 s time-out); stay well under.
  defaultLimits: { ratePerSecond: 5, burst: 5, maxInFlight: 10 },
  requiresKey: true,
  defaultBaseUrl: "https://api.stability.ai",
  prices: PRICES,
  // One request per image.
  inFlightUnits: (input) => input.num_images,

  estimateCostUsd: (input, model) => estimateCostUsd(PRICES, input, stabilityModel(model)),

  async generate(input, ctx) {
    const apiKey = requireKey(ctx, NAME);
    checkInput(input, capabilities, NAME);
    const model = stabilityModel(ctx.model);
    // Consecutive seeds, as the other providers number a job's images; none: Stability picks each.
    const seedOf = (i: number) => (input.seed === undefined ? undefined : (input.seed + i) % (MAX_SEED + 1));
    const images = await Promise.all(
      Array.from({ length: input.num_images }, (_, i) => generateOne(input, ctx, apiKey, model, seedOf(i))),
    );
    return { images, model };
  },
};
