// Workers AI text-to-image through the Worker's `AI` binding, no key: the account pays. Two
// documented output shapes: FLUX.1 [schnell] answers JSON `{image: base64 JPEG}` at 1024x1024 (it
// takes no size or seed), the Stable Diffusion models a PNG byte stream and take width, height,
// seed and a negative prompt. One run per image. The binding exists only when deployed (Workers
// AI has no local simulation); without it the provider is not configured and jobs fall back.
import { aspectRatios } from "../../jobs/enums";
import { ProviderError } from "../errors";
import { checkInput, ratioParts } from "../guards";
import { decodeBase64, imageFromBytes, invalidResponse } from "../http";
import { estimateCostUsd } from "../prices";
import {
  BINDING_BASE_URL,
  type GeneratedImage,
  type ImageInput,
  type ProviderAdapter,
  type ProviderCallContext,
  type ProviderPrices,
  type WorkersAiBinding,
} from "../types";
import { workersAiError } from "./errors";
import { workersAiTextGenerator } from "./text";

const NAME = "workers-ai";
const FLUX = "@cf/black-forest-labs/flux-1-schnell";
/** Models taking AiTextToImageInput (prompt, negative_prompt, width, height, num_steps, seed) and answering PNG bytes. */
const DIFFUSION = [
  "@cf/bytedance/stable-diffusion-xl-lightning",
  "@cf/stabilityai/stable-diffusion-xl-base-1.0",
  "@cf/lykon/dreamshaper-8-lcm",
] as const;

// developers.cloudflare.com/workers-ai/platform/pricing, 2026-11: FLUX.1 [schnell] bills
// $0.0000528 per 512x512 tile and $0.0001056 per step: 4 tiles and 4 steps ≈ $0.00063 an image.
// The Stable Diffusion models are listed without a neuron price (beta): priced 0 here.
const PRICES: ProviderPrices = {
  defaultModel: FLUX,
  models: {
    [FLUX]: { perImage: 0.00063 },
    ...Object.fromEntries(DIFFUSION.map((m) => [m, { perImage: 0 }])),
  },
};

export function workersAiModel(model?: string): string {
  return model && (model === FLUX || (DIFFUSION as readonly string[]).includes(model)) ? model : FLUX;
}

/** About a megapixel in the job's shape, sides multiples of 64 (what the diffusion models take). */
function sizeFor(ratio: ImageInput["aspect_ratio"]): { width: number; height: number } {
  const [w, h] = ratioParts(ratio);
  const side = (r: number) => Math.min(2048, Math.max(256, Math.round((1024 * Math.sqrt(r)) / 64) * 64));
  return { width: side(w / h), height: side(h / w) };
}

async function streamBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function runOnce(
  ai: WorkersAiBinding,
  model: string,
  input: ImageInput,
  seed: number | undefined,
): Promise<GeneratedImage> {
  const inputs: Record<string, unknown> =
    model === FLUX
      ? { prompt: input.prompt, steps: 4 }
      : {
          prompt: input.prompt,
          ...(input.negative_prompt ? { negative_prompt: input.negative_prompt } : {}),
          ...sizeFor(input.aspect_ratio),
          ...(seed !== undefined ? { seed } : {}),
        };
  let output: unknown;
  try {
    output = await ai.run(model, inputs);
  } catch (error) {
    throw workersAiError(error, NAME);
  }
  if (output instanceof ReadableStream) {
    return { ...imageFromBytes(await streamBytes(output), NAME), seed: seed ?? null };
  }
  const image = (output as { image?: unknown } | null)?.image;
  if (typeof image !== "string" || image === "")
    throw invalidResponse(NAME, "no image in the model's output");
  // FLUX takes no seed: the image is not reproducible, so none is reported.
  return { ...imageFromBytes(decodeBase64(image, NAME), NAME), seed: null };
}

function bindingOf(ctx: ProviderCallContext): WorkersAiBinding {
  if (!ctx.ai) {
    throw new ProviderError({
      code: "provider_not_configured",
      message: `${NAME}: the consumer has no AI binding ([ai] binding = "AI" in its wrangler config)`,
      provider: NAME,
    });
  }
  return ctx.ai;
}

const capabilities = { jobTypes: ["image.generate", "text.generate"], aspectRatios, maxImages: 4 } as const;

export const workersAiProvider: ProviderAdapter = {
  name: NAME,
  capabilities,
  // Workers AI's text-to-image limit is 720 requests a minute per account.
  defaultLimits: { ratePerSecond: 10, burst: 10, maxInFlight: 20 },
  requiresKey: false,
  binding: "AI",
  defaultBaseUrl: BINDING_BASE_URL,
  prices: PRICES,
  inFlightUnits: (input) => input.num_images,

  estimateCostUsd: (input, model) =>
    estimateCostUsd(PRICES, { num_images: input.num_images }, workersAiModel(model)),

  async generate(input, ctx) {
    const ai = bindingOf(ctx);
    checkInput(input, capabilities, NAME);
    const model = workersAiModel(ctx.model);
    if (model === FLUX && input.aspect_ratio !== "1x1") {
      throw new ProviderError({
        code: "provider_unsupported_input",
        message: `${NAME}: ${FLUX} draws 1x1 only; set WORKERS_AI_MODEL to a Stable Diffusion model for ${input.aspect_ratio}`,
        provider: NAME,
      });
    }
    const seedOf = (i: number) => (input.seed === undefined ? undefined : input.seed + i);
    const images = await Promise.all(
      Array.from({ length: input.num_images }, (_, i) => runOnce(ai, model, input, seedOf(i))),
    );
    return { images, model };
  },

  text: workersAiTextGenerator(bindingOf),
};
