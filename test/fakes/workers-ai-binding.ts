// A stand-in for the Workers AI binding (`env.AI`), which has no local simulation: `run` answers
// as the documented model schemas say (FLUX.1 [schnell]: `{image}` base64 at 1024x1024; the
// Stable Diffusion models: a PNG byte stream at the asked width x height) and fails as the binding
// does, with `InferenceUpstreamError("<code>: <description>")` for Workers AI's documented errors.
// Tests queue failures with `failNext` (internal codes, or "internal" for an AiInternalError).
// Web APIs only: it runs in Node and inside workerd.
import { base64Of, plainPng } from "./png-plain";

const FLUX = "@cf/black-forest-labs/flux-1-schnell";
const DIFFUSION = [
  "@cf/bytedance/stable-diffusion-xl-lightning",
  "@cf/stabilityai/stable-diffusion-xl-base-1.0",
  "@cf/lykon/dreamshaper-8-lcm",
];

/** Workers AI's error table: internal code → [name, description]. */
const ERRORS: Record<number, [string, string]> = {
  5007: ["NoSuchModel", "No such model {model} or task"],
  3006: ["RequestTooLarge", "Request is too large"],
  3007: ["Timeout", "Request timeout"],
  3036: [
    "AccountLimited",
    "You have used up your daily free allocation of 10,000 neurons. Please upgrade to Cloudflare's Workers Paid plan if you would like to continue usage.",
  ],
  3040: ["OutOfCapacity", "No more data centers to forward the request to"],
  5018: ["AccountNotAllowed", "The account is not allowed to access this model"],
};

class InferenceUpstreamError extends Error {
  constructor(message: string, name = "InferenceUpstreamError") {
    super(message);
    this.name = name;
  }
}

function upstream(code: number, model: string): InferenceUpstreamError {
  const [name, description] = ERRORS[code] ?? ["InternalError", "Internal error"];
  return new InferenceUpstreamError(`${code}: ${description.replace("{model}", model)}`, name);
}

function invalid(message: string): InferenceUpstreamError {
  return new InferenceUpstreamError(`5006: Error: ${message}`, "InvalidInput");
}

export interface RunCall {
  model: string;
  inputs: Record<string, unknown>;
  options?: unknown;
}

export class FakeAiBinding {
  readonly calls: RunCall[] = [];
  failNext: (number | "internal")[] = [];
  /** Mirrors the binding's own after-call fields. */
  lastRequestHttpStatusCode: number | null = null;

  async run(model: string, inputs: Record<string, unknown>, options?: unknown): Promise<unknown> {
    this.calls.push({ model, inputs, ...(options ? { options } : {}) });
    const forced = this.failNext.shift();
    if (forced === "internal") throw Object.assign(new Error("Internal Error"), { name: "AiInternalError" });
    if (forced !== undefined) throw upstream(forced, model);
    const prompt = inputs.prompt;
    if (typeof prompt !== "string" || prompt.length < 1 || prompt.length > 2048)
      throw invalid("prompt: must be a string of 1-2048 characters");
    if (model === FLUX) {
      const unknown = Object.keys(inputs).filter((k) => k !== "prompt" && k !== "steps");
      if (unknown.length > 0) throw invalid(`unknown inputs: ${unknown.join(", ")}`);
      if (inputs.steps !== undefined && !(Number.isInteger(inputs.steps) && Number(inputs.steps) <= 8))
        throw invalid("steps: must be an integer up to 8");
      this.lastRequestHttpStatusCode = 200;
      return { image: base64Of(plainPng(1024, 1024)) };
    }
    if (!DIFFUSION.includes(model)) throw upstream(5007, model);
    const width = Number(inputs.width ?? 1024);
    const height = Number(inputs.height ?? 1024);
    for (const side of [width, height])
      if (!Number.isInteger(side) || side < 256 || side > 2048) throw invalid("width/height: 256-2048");
    this.lastRequestHttpStatusCode = 200;
    const png = plainPng(width, height);
    return new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(png);
        controller.close();
      },
    });
  }
}
