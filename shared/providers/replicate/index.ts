// Replicate: create a prediction (asking the API to hold the answer up to a minute), poll it
// to a terminal state if it is not done, then download each output URL at once.
import type { AspectRatio } from "../../jobs/enums";
import { ProviderError } from "../errors";
import { checkInput, requireKey } from "../guards";
import { downloadImage, errorFromResponse, fetchWithTimeout, invalidResponse } from "../http";
import { estimateCostUsd } from "../prices";
import type { GeneratedImage, ImageInput, ProviderAdapter, ProviderPrices } from "../types";
import { parsePrediction, pollPrediction, predictionFailure } from "./prediction";

const NAME = "replicate";
const DEFAULT_MODEL = "black-forest-labs/flux-schnell";
// Replicate's model pages (2025; check before relying on them for billing), per output image.
const PRICES: ProviderPrices = {
  defaultModel: DEFAULT_MODEL,
  models: {
    "black-forest-labs/flux-schnell": { perImage: 0.003 },
    "black-forest-labs/flux-dev": { perImage: 0.025 },
    "black-forest-labs/flux-1.1-pro": { perImage: 0.04 },
  },
};
/** How long one job may wait on Replicate, creation to terminal state, before we cancel. */
export const REPLICATE_BUDGET_MS = 120_000;
// flux-schnell's aspect_ratio enum, in our spelling.
const RATIOS: readonly AspectRatio[] = ["1x1", "16x9", "9x16", "4x3", "3x4", "3x2", "2x3"];

/** Which endpoint and body create a prediction: pinned version, or an official model. */
export function createRequest(model: string, input: Record<string, unknown>): { path: string; body: object } {
  const [ref = "", version] = model.split(":");
  const [owner, name, ...rest] = ref.split("/");
  if (!owner || !name || rest.length > 0) {
    throw new ProviderError({
      code: "provider_bad_request",
      message: `${NAME}: model "${model}" is not owner/name[:version]`,
      provider: NAME,
    });
  }
  if (version) return { path: "/v1/predictions", body: { version, input } };
  return {
    path: `/v1/models/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/predictions`,
    body: { input },
  };
}

export function replicateInput(model: string, input: ImageInput): Record<string, unknown> {
  // FLUX has no negative prompt: say it in the prompt; other models get the usual field.
  const flux = model.includes("flux");
  const avoid = input.negative_prompt;
  return {
    prompt: flux && avoid ? `${input.prompt}\n\nAvoid: ${avoid}` : input.prompt,
    ...(!flux && avoid ? { negative_prompt: avoid } : {}),
    aspect_ratio: input.aspect_ratio.replace("x", ":"),
    num_outputs: input.num_images,
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    output_format: "png",
  };
}

/** Prefer: wait=N must end before our own request timeout, or we would abandon a live prediction. */
export function preferWaitSeconds(remainingMs: number, requestTimeoutMs: number): number {
  return Math.floor(Math.min(60_000, remainingMs, requestTimeoutMs - 2000) / 1000);
}

const capabilities = { jobTypes: ["image.generate"], aspectRatios: RATIOS, maxImages: 4 } as const;

export const replicateProvider: ProviderAdapter = {
  name: NAME,
  capabilities,
  defaultLimits: { ratePerSecond: 10, burst: 10, maxInFlight: 10 },
  requiresKey: true,
  defaultBaseUrl: "https://api.replicate.com",
  prices: PRICES,

  estimateCostUsd: (input, model) => estimateCostUsd(PRICES, input, model),

  async generate(input, ctx) {
    const apiKey = requireKey(ctx, NAME);
    checkInput(input, capabilities, NAME);
    const model = ctx.model ?? DEFAULT_MODEL;
    const deadline = ctx.now() + REPLICATE_BUDGET_MS;
    const { path, body } = createRequest(model, replicateInput(model, input));
    const headers: Record<string, string> = {
      Authorization: `Bearer ${apiKey}`,
      "Content-Type": "application/json",
      // Replicate's own deadline backs up our cancel, a little after we would give up.
      "Cancel-After": `${Math.ceil(REPLICATE_BUDGET_MS / 1000) + 10}s`,
    };
    const wait = preferWaitSeconds(deadline - ctx.now(), ctx.requestTimeoutMs);
    if (wait >= 1) headers.Prefer = `wait=${wait}`;

    const url = `${ctx.baseUrl.replace(/\/+$/, "")}${path}`;
    const res = await fetchWithTimeout(
      ctx,
      url,
      { method: "POST", headers, body: JSON.stringify(body) },
      NAME,
    );
    if (!res.ok) throw await errorFromResponse(res, ctx, NAME);
    const done = await pollPrediction(await parsePrediction(res), { ...ctx, apiKey }, deadline);
    if (done.status !== "succeeded") throw predictionFailure(done, apiKey);

    const urls = (Array.isArray(done.output) ? done.output : [done.output]).filter((u): u is string => !!u);
    if (urls.length === 0) throw invalidResponse(NAME, `prediction ${done.id} succeeded with no output`);
    const logged = done.logs?.match(/Using seed: (\d+)/)?.[1];
    const seed = logged ? Number(logged) : (input.seed ?? null);
    const images: GeneratedImage[] = await Promise.all(
      urls.map(async (u) => ({ ...(await downloadImage(ctx, u, NAME)), seed })),
    );
    return { images, model };
  },
};
