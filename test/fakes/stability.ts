// Fake Stability AI Stable Image (POST /v2beta/stable-image/generate/{core,ultra,sd3}, multipart,
// `authorization: Bearer`, `accept: image/*` for bytes with `finish-reason` and `seed` headers, or
// `application/json` for {image (base64), finish_reason, seed}). Error bodies follow Stability's
// documented shape {id, name, errors[]}. Named failNext outcomes: content_moderation (403),
// payment_required (402), invalid_language (422), payload_too_large (413), filtered (a 200 whose
// finish-reason is CONTENT_FILTERED).
import { randomUUID } from "node:crypto";
import { makePng, sizeForRatio } from "./png";
import { type FakeOptions, type FakeReply, type ProviderSpec, type RunningFake, startFake } from "./server";

const PREFIX = "/v2beta/stable-image/generate/";
const ENDPOINTS = ["core", "ultra", "sd3"];
const RATIOS = ["16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"];
const SD3_MODELS = ["sd3.5-large", "sd3.5-large-turbo", "sd3.5-medium", "sd3.5-flash"];
const FORMATS = ["png", "jpeg", "webp"];

const err = (
  status: number,
  name: string,
  errors: string[],
  headers?: Record<string, string>,
): FakeReply => ({
  status,
  json: { id: randomUUID().replaceAll("-", ""), name, errors },
  headers,
});

function validate(endpoint: string, f: Record<string, string>): string | undefined {
  if (!f.prompt?.trim()) return "prompt: cannot be empty";
  if (f.prompt.length > 10_000) return "prompt: must be at most 10000 characters";
  if (f.aspect_ratio !== undefined && !RATIOS.includes(f.aspect_ratio))
    return `aspect_ratio: must be one of ${RATIOS.join(", ")}`;
  if (
    f.seed !== undefined &&
    !(Number.isInteger(Number(f.seed)) && Number(f.seed) >= 0 && Number(f.seed) <= 4294967294)
  )
    return "seed: must be an integer in 0..4294967294";
  if (f.output_format !== undefined && !FORMATS.includes(f.output_format)) return "output_format: invalid";
  if (endpoint === "sd3" && f.model !== undefined && !SD3_MODELS.includes(f.model)) return "model: invalid";
  if (endpoint !== "sd3" && f.model !== undefined) return "model: not a parameter of this endpoint";
  return undefined;
}

/** This provider's fake, found by name by registry.ts (the one export every fake has). */
export function fakeSpec(): ProviderSpec {
  return {
    name: "stability",
    authorized: (req, key) => req.headers.authorization === `Bearer ${key}`,
    errorKinds: ["content_moderation", "payment_required", "invalid_language", "payload_too_large"],
    handlerOutcomes: ["filtered"],
    generationUnits: (req) => (req.method === "POST" && req.path.startsWith(PREFIX) ? 1 : 0),

    errorReply(kind) {
      switch (kind) {
        case "401":
          return err(401, "unauthorized", ["authorization: invalid or missing API key"]);
        case "payment_required":
        case "402":
          return err(402, "payment_required", ["You lack sufficient credits to make this request."]);
        case "content_moderation":
          return err(403, "content_moderation", [
            "Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.",
          ]);
        case "payload_too_large":
          return err(413, "payload_too_large", ["body: payloads cannot be larger than 10MiB in size"]);
        case "invalid_language":
        case "422":
          return err(422, "invalid_language", ["English is the only supported language for this service."]);
        // Stability documents the limit (150 requests in 10 s, then a 60 s time-out), not a
        // Retry-After header; the shell adds one when its own rate-limit knob answers.
        case "429":
          return err(429, "rate_limit_exceeded", [
            "You have exceeded the rate limit of 150 requests within a 10 second period, and have been timed out for 60 seconds.",
          ]);
        default: {
          const status = Number(kind) || 500;
          return status >= 500
            ? err(status, "internal_error", [
                "An unexpected server error has occurred, please try again later.",
              ])
            : err(status, "bad_request", [`request failed (${status})`]);
        }
      }
    },

    async handle(req, t, forced) {
      const endpoint = req.path.startsWith(PREFIX) ? req.path.slice(PREFIX.length) : "";
      if (!ENDPOINTS.includes(endpoint)) return err(404, "not_found", [`${req.path} was not found`]);
      if (req.method !== "POST") return err(405, "method_not_allowed", ["use POST"]);
      const accept = req.headers.accept ?? "";
      if (accept !== "image/*" && accept !== "application/json")
        return err(400, "bad_request", ["accept: must be image/* or application/json"]);
      if (req.bodyError || !req.fields)
        return err(400, "bad_request", [req.bodyError ?? "expected multipart/form-data"]);
      const invalid = validate(endpoint, req.fields);
      if (invalid) return err(400, "bad_request", [invalid]);
      const { width, height } = sizeForRatio(req.fields.aspect_ratio ?? "1:1");
      // Seed 0 (or none) asks Stability to pick one; the answer always names the one it used.
      const asked = Number(req.fields.seed ?? 0);
      const seed = asked > 0 ? asked : 1 + Math.floor(t.rng() * 4294967293);
      const finishReason = forced === "filtered" ? "CONTENT_FILTERED" : "SUCCESS";
      const png = makePng(width, height, forced === "filtered" ? [128, 128, 128] : [200, 90, 40]);
      if (accept === "application/json") {
        return {
          status: 200,
          json: { image: Buffer.from(png).toString("base64"), finish_reason: finishReason, seed },
        };
      }
      return {
        status: 200,
        body: png,
        contentType: "image/png",
        headers: { "finish-reason": finishReason, seed: String(seed) },
      };
    },
  };
}

export const startStabilityFake = (opts?: FakeOptions): Promise<RunningFake> => startFake(fakeSpec(), opts);
