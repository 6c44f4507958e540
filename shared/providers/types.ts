// The one interface every provider adapter implements. Adding a provider = one folder under
// shared/providers/ implementing ProviderAdapter + one line in registry.ts.
import type { AspectRatio, JobType, ProviderName } from "../jobs/enums";
import type { ImageInput, TextInput } from "../jobs/input";

/** The provider-neutral input of an image or text job, already validated: the zod schema's output. */
export type { ImageInput, TextInput };

export interface ProviderCapabilities {
  jobTypes: readonly JobType[];
  aspectRatios: readonly AspectRatio[];
  maxImages: number;
}

/** Default pacing for an instance with no limits of its own in D1. */
export interface ProviderDefaultLimits {
  /** Sustained requests per second. */
  ratePerSecond: number;
  /** Bucket capacity: how many calls may go at once after a quiet spell. */
  burst: number;
  /** Calls in flight at once (Ideogram counts images in flight). */
  maxInFlight: number;
}

/** What the consumer hands an adapter for one call. */
export interface ProviderCallContext {
  /** Resolved key (instance key from D1, else the Worker secret); undefined if none. */
  apiKey?: string;
  /** Base URL from configuration: the provider's own, a local fake, or an AI Gateway URL. */
  baseUrl: string;
  /** Model override from configuration (OpenAI, Replicate). */
  model?: string;
  /** Aborts the whole call (timeout / cancel). */
  signal: AbortSignal;
  /** Per-request timeout for each HTTP call the adapter makes. */
  requestTimeoutMs: number;
  /** Injected so tests and the fake clock can drive submit-then-poll adapters. */
  fetch: typeof fetch;
  /** The Worker's Workers AI binding (`[ai]` in the consumer's config), when it has one. */
  ai?: WorkersAiBinding;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export interface GeneratedImage {
  bytes: Uint8Array;
  contentType: string;
  width: number;
  height: number;
  seed: number | null;
}

export interface ProviderResult {
  images: GeneratedImage[];
  model: string;
  revisedPrompt?: string;
  /** Images the provider generated but withheld (safety), reported with the result. */
  withheld?: number;
}

/** A list price in USD per generated image. */
export interface ModelPrice {
  /** USD per square image. */
  perImage: number;
  /** USD per non-square image, where the provider charges more for the larger canvas. */
  perImageWide?: number;
}

export interface ProviderPrices {
  /** The model a job without one runs on, and the price of a model the table does not know. */
  defaultModel: string;
  models: Readonly<Record<string, ModelPrice>>;
}

/** The base URL of a provider that calls no API: it has no fake and no base URL to override. */
export const OFFLINE_BASE_URL = "offline:";
/** The "base URL" of a provider reached through a Worker binding rather than over HTTP. */
export const BINDING_BASE_URL = "binding:";

/**
 * The part of the Workers AI binding (`Ai` in the Workers types) an adapter uses: `run` answers
 * a model's JSON output as an object, a binary output (an image) as a stream, and throws
 * `InferenceUpstreamError("<code>: <description>")` for the errors Workers AI documents.
 */
export interface WorkersAiBinding {
  run(
    model: string,
    inputs: Record<string, unknown>,
    options?: {
      gateway?: { id: string; skipCache?: boolean; cacheTtl?: number; metadata?: Record<string, string> };
    },
  ): Promise<unknown>;
}

/** Tokens a text call used, as the provider reported them. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface TextResult {
  text: string;
  model: string;
  /** Why generation stopped, in the chat completions spelling: "stop", "length", "content_filter"… */
  finishReason: string;
  /** null when the provider reported none (then the cost is an estimate). */
  usage: TokenUsage | null;
}

/** A list price in USD per million tokens. */
export interface TextModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

export interface TextPrices {
  defaultModel: string;
  models: Readonly<Record<string, TextModelPrice>>;
}

/** What a provider that runs `text.generate` jobs adds to its adapter. */
export interface TextGenerator {
  /** List prices, with their source and date in a comment beside them. */
  readonly prices: TextPrices;
  /** Tokens per minute an instance may use when it set no limit of its own; none: unlimited. */
  readonly defaultTokensPerMinute?: number;
  /** Runs the job; throws ProviderError on failure. */
  generate(input: TextInput, ctx: ProviderCallContext): Promise<TextResult>;
}

export interface ProviderAdapter {
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities;
  readonly defaultLimits: ProviderDefaultLimits;
  /** Whether a call needs an API key (the demo provider does not). */
  readonly requiresKey: boolean;
  /** The Worker binding the provider runs through (Workers AI: "AI"), when it is not HTTP. */
  readonly binding?: "AI";
  /**
   * Default base URL when none is configured: https://… for a provider with an HTTP API (which
   * then has a fake at test/fakes/<name>.ts), or OFFLINE_BASE_URL for one that makes no call.
   */
  readonly defaultBaseUrl: string;
  /** List prices, with the sources they were taken from in a comment beside them. */
  readonly prices: ProviderPrices;
  /** Units a job holds of the in-flight limit (Ideogram counts images); 1 when absent. */
  inFlightUnits?(input: ImageInput): number;
  /** USD estimate for one job, from `prices`. */
  estimateCostUsd(input: ImageInput, model?: string): number;
  /** Runs the job; throws ProviderError on failure. */
  generate(input: ImageInput, ctx: ProviderCallContext): Promise<ProviderResult>;
  /** Present when the provider runs `text.generate` jobs too (or only those). */
  readonly text?: TextGenerator;
}
