// Fake Ideogram v3 (POST /v1/ideogram-v3/generate, multipart, Api-Key header). Error bodies
// follow Ideogram's documented shape: {error, reject_reason?}. Named failNext outcomes:
// insufficient_funds, daily_limit (402), forbidden (403), safety (422), inflight_limit (429),
// unsafe (every image withheld), partial_unsafe (the first one withheld), expired (dead URLs).
import { sizeForRatio } from "./png";
import { type FakeOptions, type FakeReply, type ProviderSpec, type RunningFake, startFake } from "./server";

const PATH = "/v1/ideogram-v3/generate";
export const IDEOGRAM_RATIOS = [
  "1x3",
  "3x1",
  "1x2",
  "2x1",
  "9x16",
  "16x9",
  "10x16",
  "16x10",
  "2x3",
  "3x2",
  "3x4",
  "4x3",
  "4x5",
  "5x4",
  "1x1",
];
const SPEEDS = ["TURBO", "DEFAULT", "QUALITY", "FLASH"];
const MAGIC = ["AUTO", "ON", "OFF"];
const STYLES = ["AUTO", "GENERAL", "REALISTIC", "DESIGN", "FICTION"];

const err = (
  status: number,
  error: string,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>,
): FakeReply => ({
  status,
  json: { error, ...extra },
  headers,
});

function validate(f: Record<string, string>): string | undefined {
  if (!f.prompt?.trim()) return "prompt is required";
  if (f.aspect_ratio !== undefined && !IDEOGRAM_RATIOS.includes(f.aspect_ratio))
    return `invalid aspect_ratio: ${f.aspect_ratio}`;
  if (f.aspect_ratio !== undefined && f.resolution !== undefined)
    return "aspect_ratio and resolution are exclusive";
  const n = Number(f.num_images ?? 1);
  if (!Number.isInteger(n) || n < 1 || n > 8) return "num_images must be between 1 and 8";
  if (
    f.seed !== undefined &&
    !(Number.isInteger(Number(f.seed)) && Number(f.seed) >= 0 && Number(f.seed) <= 2147483647)
  ) {
    return "seed must be an integer in 0..2147483647";
  }
  if (f.rendering_speed !== undefined && !SPEEDS.includes(f.rendering_speed))
    return "invalid rendering_speed";
  if (f.magic_prompt !== undefined && !MAGIC.includes(f.magic_prompt)) return "invalid magic_prompt";
  if (f.style_type !== undefined && !STYLES.includes(f.style_type)) return "invalid style_type";
  return undefined;
}

/** This provider's fake, found by name by registry.ts (the one export every fake has). */
export function fakeSpec(): ProviderSpec {
  return {
    name: "ideogram",
    authorized: (req, key) => req.headers["api-key"] === key,
    errorKinds: ["insufficient_funds", "daily_limit", "forbidden", "safety", "inflight_limit"],
    handlerOutcomes: ["unsafe", "partial_unsafe", "expired"],
    generationUnits: (req) =>
      req.method === "POST" && req.path === PATH ? Math.max(1, Number(req.fields?.num_images ?? 1) || 1) : 0,

    errorReply(kind, req, t) {
      const echo = t.knobs.echoKeyInErrors ? ` (key: ${req.headers["api-key"] ?? ""})` : "";
      switch (kind) {
        case "401":
          return err(401, `Unauthorized: invalid or missing Api-Key${echo}`);
        case "insufficient_funds":
          return err(402, "Insufficient funds", { reject_reason: "insufficient_funds" });
        case "daily_limit":
          return err(402, "Daily limit reached", { reject_reason: "daily_limit" });
        case "forbidden":
        case "403":
          return err(403, "Your organization does not have access to this endpoint");
        case "safety":
        case "422":
          return err(422, "Prompt or provided image failed the safety checks");
        case "inflight_limit":
          return err(
            429,
            "Too many images in flight",
            {
              reject_reason: "inflight_limit",
              max_inflight_requests: t.knobs.inflightLimit ?? 10,
            },
            { "retry-after": "1" },
          );
        case "429":
          return err(429, "Too many requests", {}, { "retry-after": "1" });
        default: {
          const status = Number(kind) || 500;
          return err(status, status >= 500 ? "Internal server error" : `Request failed (${status})${echo}`);
        }
      }
    },

    async handle(req, t, forced) {
      if (req.path !== PATH) return err(404, "Not found");
      if (req.method !== "POST") return err(405, "Method not allowed");
      if (req.bodyError || !req.fields) return err(400, req.bodyError ?? "expected multipart/form-data");
      const invalid = validate(req.fields);
      if (invalid) return err(400, invalid);
      const f = req.fields;
      const n = Number(f.num_images ?? 1);
      const { width, height } = sizeForRatio(f.aspect_ratio ?? "1x1");
      // Magic prompt rewrites the prompt unless told OFF; the rewrite is echoed back.
      const prompt = f.magic_prompt === "OFF" ? f.prompt : `${f.prompt}, highly detailed, cinematic lighting`;
      const baseSeed = f.seed !== undefined ? Number(f.seed) : Math.floor(t.rng() * 2147483647);
      const data = Array.from({ length: n }, (_, i) => {
        const safe = forced === "unsafe" ? false : forced === "partial_unsafe" ? i !== 0 : true;
        return {
          url: safe ? t.addImage(width, height) : null,
          seed: (baseSeed + i) % 2147483648,
          resolution: `${width}x${height}`,
          is_image_safe: safe,
          prompt,
          style_type: f.style_type ?? "GENERAL",
        };
      });
      return { status: 200, json: { created: new Date().toISOString(), data } };
    },
  };
}

export const startIdeogramFake = (opts?: FakeOptions): Promise<RunningFake> => startFake(fakeSpec(), opts);
