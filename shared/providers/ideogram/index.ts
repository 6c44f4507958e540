// Ideogram v3: one multipart POST that answers with the images' short-lived URLs, which we
// download at once. Ideogram has no model parameter for v3; we map our model names onto its
// rendering_speed tiers, which is also what it bills by.
import * as z from "../../zod-mini";
import { aspectRatios } from "../../jobs/enums";
import { ProviderError, type ProviderErrorCode } from "../errors";
import { checkInput, requireKey } from "../guards";
import {
  type HttpFailure,
  downloadImage,
  errorFromResponse,
  fetchWithTimeout,
  invalidResponse,
  readJson,
} from "../http";
import { estimateCostUsd } from "../prices";
import type { GeneratedImage, ProviderAdapter, ProviderPrices } from "../types";

const NAME = "ideogram";

const SPEEDS = { V_3_TURBO: "TURBO", V_3: "DEFAULT", V_3_QUALITY: "QUALITY" } as const;
export type IdeogramModel = keyof typeof SPEEDS;
// Ideogram's API pricing page (2025; check before relying on it for billing), per image by speed.
const PRICES: ProviderPrices = {
  defaultModel: "V_3",
  models: { V_3_TURBO: { perImage: 0.03 }, V_3: { perImage: 0.06 }, V_3_QUALITY: { perImage: 0.09 } },
};

/** Our model name for a configured one: "V_3_TURBO", "turbo", "ideogram-v3-quality"… */
export function ideogramModel(model?: string): IdeogramModel {
  const m = (model ?? "").toUpperCase();
  if (m.includes("TURBO")) return "V_3_TURBO";
  if (m.includes("QUALITY")) return "V_3_QUALITY";
  return "V_3";
}

const ResponseSchema = z.object({
  data: z
    .array(
      z.object({
        url: z.nullish(z.string()),
        seed: z.nullish(z.int()),
        resolution: z.nullish(z.string()),
        is_image_safe: z.nullish(z.boolean()),
        prompt: z.nullish(z.string()),
      }),
    )
    .check(z.minLength(1)),
});

function rejectReason(body: unknown): string | undefined {
  const r = body && typeof body === "object" ? (body as Record<string, unknown>).reject_reason : undefined;
  return typeof r === "string" ? r : undefined;
}

/** Ideogram's documented statuses; 400/401/403/5xx follow the generic mapping. */
export function classifyIdeogram(f: HttpFailure): ProviderErrorCode | undefined {
  const reason = rejectReason(f.body);
  if (f.status === 402)
    return reason === "daily_limit" ? "provider_quota_exceeded" : "provider_insufficient_funds";
  if (f.status === 422) return "provider_safety_rejected";
  if (f.status === 429)
    return reason === "inflight_limit" ? "provider_inflight_limit" : "provider_rate_limited";
  return undefined;
}

const capabilities = { jobTypes: ["image.generate"], aspectRatios, maxImages: 8 } as const;

export const ideogramProvider: ProviderAdapter = {
  name: NAME,
  capabilities,
  // Ideogram limits images in flight (default 10), not requests per second.
  defaultLimits: { ratePerSecond: 1, burst: 2, maxInFlight: 10 },
  requiresKey: true,
  defaultBaseUrl: "https://api.ideogram.ai",
  prices: PRICES,
  // Each image of a job takes one place of Ideogram's in-flight limit.
  inFlightUnits: (input) => input.num_images,

  estimateCostUsd: (input, model) => estimateCostUsd(PRICES, input, ideogramModel(model)),

  async generate(input, ctx) {
    const apiKey = requireKey(ctx, NAME);
    checkInput(input, capabilities, NAME);
    const model = ideogramModel(ctx.model);
    const form = new FormData();
    form.append("prompt", input.prompt);
    if (input.negative_prompt) form.append("negative_prompt", input.negative_prompt);
    form.append("aspect_ratio", input.aspect_ratio);
    if (input.seed !== undefined) form.append("seed", String(input.seed));
    form.append("num_images", String(input.num_images));
    form.append("rendering_speed", SPEEDS[model]);
    // Magic prompt would rewrite the user's prompt; they asked for this one.
    form.append("magic_prompt", "OFF");

    const url = `${ctx.baseUrl.replace(/\/+$/, "")}/v1/ideogram-v3/generate`;
    const res = await fetchWithTimeout(
      ctx,
      url,
      { method: "POST", headers: { "Api-Key": apiKey }, body: form },
      NAME,
    );
    if (!res.ok) throw await errorFromResponse(res, ctx, NAME, classifyIdeogram);
    const parsed = ResponseSchema.safeParse(await readJson(res, NAME));
    if (!parsed.success) throw invalidResponse(NAME, "no data[] of images");

    const safe = parsed.data.data.filter((d) => d.is_image_safe !== false && d.url);
    const withheld = parsed.data.data.length - safe.length;
    if (safe.length === 0) {
      const message = `${NAME}: all ${withheld} image(s) withheld by the provider's safety check`;
      throw new ProviderError({ code: "image_withheld_unsafe", message, provider: NAME });
    }
    // The URLs expire within minutes: fetch them all now, in parallel.
    const images: GeneratedImage[] = await Promise.all(
      safe.map(async (d) => ({
        ...(await downloadImage(ctx, d.url ?? "", NAME)),
        seed: d.seed ?? input.seed ?? null,
      })),
    );
    const revised = safe[0]?.prompt;
    return {
      images,
      model,
      ...(revised && revised !== input.prompt ? { revisedPrompt: revised } : {}),
      ...(withheld > 0 ? { withheld } : {}),
    };
  },
};
