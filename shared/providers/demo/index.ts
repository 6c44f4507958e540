// The offline, deterministic default provider: no network, no key, real PNGs from render.ts.
//
// Prompt markers, so tests and benchmarks can steer a job without any network:
//   [demo:fail=<code>]  throw ProviderError(<code>) (retryable exactly as that code is); <code> is
//                       one of providerErrorCodes, anything else fails as provider_bad_request.
//   [demo:delay=<ms>]   wait <ms> (capped at 30000) via ctx.sleep before rendering; an abort ends
//                       the wait at once. The delay runs before the fail marker, for slow failures.
// Markers stay in the prompt, so they also change the picture (still deterministically).
import { aspectRatios, jobTypes } from "../../jobs/enums";
import { ProviderError, ProviderErrorCode } from "../errors";
import { estimateCostUsd } from "../prices";
import {
  type GeneratedImage,
  type ImageInput,
  OFFLINE_BASE_URL,
  type ProviderAdapter,
  type ProviderCallContext,
  type ProviderPrices,
} from "../types";
import { dimensionsFor } from "./dimensions";
import { hashSeed, renderPng } from "./render";
import { demoTextGenerator } from "./text";

export const DEMO_MODEL = "demo-gradient-v1";
const MAX_IMAGES = 4;
const MAX_DELAY_MS = 30_000;
const FAIL_MARKER = /\[demo:fail=([^\]]*)\]/;
const DELAY_MARKER = /\[demo:delay=(\d+)\]/;
// Rendered here, so free.
const PRICES: ProviderPrices = { defaultModel: DEMO_MODEL, models: { [DEMO_MODEL]: { perImage: 0 } } };

function fail(code: ProviderErrorCode, message: string, cause?: unknown): ProviderError {
  return new ProviderError({ code, message, provider: "demo", cause });
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw fail("provider_timeout", "demo call aborted", signal.reason);
}

/** ctx.sleep, cut short by the abort signal (ctx.sleep itself takes no signal). */
async function sleepUnlessAborted(ms: number, ctx: ProviderCallContext): Promise<void> {
  const { signal } = ctx;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(fail("provider_timeout", "demo call aborted", signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([ctx.sleep(ms), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function requestedFailure(prompt: string): ProviderError | undefined {
  const code = FAIL_MARKER.exec(prompt)?.[1];
  if (code === undefined) return undefined;
  const parsed = ProviderErrorCode.safeParse(code);
  return parsed.success
    ? fail(parsed.data, `demo failure requested by prompt marker: ${code}`)
    : fail("provider_bad_request", `unknown code in [demo:fail=${code}]`);
}

export const demoProvider: ProviderAdapter = {
  name: "demo",
  capabilities: { jobTypes, aspectRatios, maxImages: MAX_IMAGES },
  defaultLimits: { ratePerSecond: 50, burst: 50, maxInFlight: 50 },
  requiresKey: false,
  defaultBaseUrl: OFFLINE_BASE_URL,
  prices: PRICES,
  estimateCostUsd: (input) => estimateCostUsd(PRICES, input),

  async generate(input: ImageInput, ctx: ProviderCallContext) {
    const { prompt, num_images: count } = input;
    if (!Number.isInteger(count) || count < 1 || count > MAX_IMAGES) {
      throw fail("provider_unsupported_input", `num_images must be 1..${MAX_IMAGES}, got ${count}`);
    }
    await obeyMarkers(prompt, ctx);

    const { width, height } = dimensionsFor(input.aspect_ratio);
    // No seed given: derive one from the prompt, so a repeated job still gives the same pictures.
    const base = input.seed ?? hashSeed(prompt);
    const images: GeneratedImage[] = [];
    for (let i = 0; i < count; i++) {
      throwIfAborted(ctx.signal);
      const seed = base + i;
      images.push({
        bytes: renderPng({ prompt, seed, width, height }),
        contentType: "image/png",
        width,
        height,
        seed,
      });
    }
    return { images, model: DEMO_MODEL };
  },

  text: demoTextGenerator(obeyMarkers),
};

/** The delay marker, then the failure marker (so a failure can be slow), for images and text alike. */
async function obeyMarkers(prompt: string, ctx: ProviderCallContext): Promise<void> {
  throwIfAborted(ctx.signal);
  const delay = DELAY_MARKER.exec(prompt)?.[1];
  if (delay !== undefined) await sleepUnlessAborted(Math.min(Number(delay), MAX_DELAY_MS), ctx);
  const failure = requestedFailure(prompt);
  if (failure) throw failure;
}
