// What the fake OpenAI accepts, per model, and its error body shape {error: {message, type,
// param, code}}: enough of the real API's validation that a wrong request fails here too.
import type { FakeReply } from "./spec";

export const MODELS: Record<string, { sizes: string[]; qualities: string[]; maxN: number }> = {
  "gpt-image-1": {
    sizes: ["1024x1024", "1536x1024", "1024x1536", "auto"],
    qualities: ["low", "medium", "high", "auto"],
    maxN: 10,
  },
  "gpt-image-1-mini": {
    sizes: ["1024x1024", "1536x1024", "1024x1536", "auto"],
    qualities: ["low", "medium", "high", "auto"],
    maxN: 10,
  },
  "dall-e-3": { sizes: ["1024x1024", "1792x1024", "1024x1792"], qualities: ["standard", "hd"], maxN: 1 },
  "dall-e-2": { sizes: ["256x256", "512x512", "1024x1024"], qualities: ["standard"], maxN: 10 },
};
const KNOWN = [
  "model",
  "prompt",
  "n",
  "size",
  "quality",
  "output_format",
  "response_format",
  "style",
  "user",
  "background",
  "moderation",
  "output_compression",
];

export type Err = { message: string; type: string; param?: string | null; code?: string | null };
export const err = (status: number, e: Err, headers?: Record<string, string>): FakeReply => ({
  status,
  json: { error: { param: null, code: null, ...e } },
  headers,
});
export const bad = (message: string, param: string | null = null, code: string | null = "invalid_value") =>
  err(400, { message, type: "invalid_request_error", param, code });

export function validate(body: Record<string, unknown>): FakeReply | undefined {
  const unknown = Object.keys(body).find((k) => !KNOWN.includes(k));
  if (unknown) return bad(`Unknown parameter: '${unknown}'.`, unknown, "unknown_parameter");
  const model = (body.model as string | undefined) ?? "dall-e-2";
  const m = MODELS[model];
  if (!m)
    return bad(
      `Invalid value: '${model}'. Supported values are: ${Object.keys(MODELS).join(", ")}.`,
      "model",
    );
  if (typeof body.prompt !== "string" || !body.prompt)
    return bad("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
  const n = body.n ?? 1;
  if (!Number.isInteger(n) || (n as number) < 1) return bad("Invalid 'n': expected an integer >= 1.", "n");
  if ((n as number) > m.maxN) {
    return bad(
      `Invalid 'n': integer above maximum value. Expected a value <= ${m.maxN}, but got ${n} instead.`,
      "n",
      "integer_above_max_value",
    );
  }
  if (body.size !== undefined && !m.sizes.includes(body.size as string))
    return bad(`Invalid size '${body.size}' for ${model}.`, "size");
  if (body.quality !== undefined && !m.qualities.includes(body.quality as string))
    return bad(`Invalid quality for ${model}.`, "quality");
  const gpt = model.startsWith("gpt-image");
  if (!gpt && body.output_format !== undefined)
    return bad("Unknown parameter: 'output_format'.", "output_format", "unknown_parameter");
  if (gpt && body.response_format !== undefined)
    return bad("Unknown parameter: 'response_format'.", "response_format", "unknown_parameter");
  return undefined;
}
