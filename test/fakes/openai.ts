// Fake OpenAI Images (POST /v1/images/generations, JSON, Bearer key) and chat completions
// (POST /v1/chat/completions, openai-chat.ts). Validates per model as the
// real API does (dall-e-3 takes n=1 only; output_format is gpt-image only; unknown params are
// 400) and answers gpt-image with b64_json, DALL·E with URLs. Named failNext outcomes: safety,
// insufficient_quota, billing_hard_limit, 429_reset_only (no Retry-After), forbidden, expired.
import { type FakeOptions, type ProviderSpec, type RunningFake, startFake } from "./server";
import { bad, err, validate } from "./openai-rules";
import { CHAT_PATH, chatReply } from "./openai-chat";
import { makePng } from "./png";

const PATH = "/v1/images/generations";
/** This provider's fake, found by name by registry.ts (the one export every fake has). */
export function fakeSpec(): ProviderSpec {
  return {
    name: "openai",
    authorized: (req, key) => req.headers.authorization === `Bearer ${key}`,
    errorKinds: [
      "safety",
      "insufficient_quota",
      "insufficient_funds",
      "billing_hard_limit",
      "429_reset_only",
      "forbidden",
    ],
    handlerOutcomes: ["expired"],
    generationUnits: (req) =>
      req.method === "POST" && (req.path === PATH || req.path === CHAT_PATH) ? 1 : 0,

    errorReply(kind, req, t) {
      const model = String((req.json as { model?: unknown } | undefined)?.model ?? "gpt-image-1");
      const sent = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      // OpenAI echoes a masked key; the echoKeyInErrors knob echoes it whole to test redaction.
      const shown = t.knobs.echoKeyInErrors ? sent : `${sent.slice(0, 3)}*****${sent.slice(-4)}`;
      const rl = {
        "x-ratelimit-limit-requests": "5",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "12s",
      };
      switch (kind) {
        case "401":
          return err(401, {
            message: sent
              ? `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`
              : "You didn't provide an API key.",
            type: "invalid_request_error",
            code: sent ? "invalid_api_key" : null,
          });
        case "safety":
          return model.startsWith("gpt-image")
            ? err(400, {
                message: "Your request was rejected by the safety system.",
                type: "image_generation_user_error",
                code: "moderation_blocked",
              })
            : err(400, {
                message: "Your request was rejected as a result of our safety system.",
                type: "invalid_request_error",
                code: "content_policy_violation",
              });
        case "insufficient_quota":
        case "insufficient_funds":
          return err(429, {
            message: "You exceeded your current quota, please check your plan and billing details.",
            type: "insufficient_quota",
            code: "insufficient_quota",
          });
        case "billing_hard_limit":
          return err(400, {
            message: "Billing hard limit has been reached",
            type: "image_generation_user_error",
            code: "billing_hard_limit_reached",
          });
        case "429":
          return err(
            429,
            {
              message: `Rate limit reached for ${model} on requests per min (RPM). Please try again in 12s.`,
              type: "requests",
              code: "rate_limit_exceeded",
            },
            { ...rl, "retry-after": "12" },
          );
        case "429_reset_only":
          return err(
            429,
            {
              message: `Rate limit reached for ${model} on requests per min (RPM).`,
              type: "requests",
              code: "rate_limit_exceeded",
            },
            { ...rl, "x-ratelimit-reset-requests": "1.5s" },
          );
        case "forbidden":
        case "403":
          return err(403, {
            message: `Your organization must be verified to use the model \`${model}\`.`,
            type: "invalid_request_error",
          });
        case "400":
          return bad("Invalid request.");
        case "503":
          return err(503, {
            message: "The engine is currently overloaded, please try again later.",
            type: "server_error",
          });
        default: {
          const status = Number(kind) || 500;
          return err(status, {
            message:
              status >= 500
                ? "The server had an error while processing your request. Sorry about that!"
                : `Error ${status}`,
            type: status >= 500 ? "server_error" : "invalid_request_error",
          });
        }
      }
    },

    async handle(req, t) {
      if (req.path === CHAT_PATH) return chatReply(req, t);
      if (req.path !== PATH)
        return err(404, {
          message: `Invalid URL (${req.method} ${req.path})`,
          type: "invalid_request_error",
        });
      if (req.bodyError || !req.json || typeof req.json !== "object")
        return bad("We could not parse the JSON body of your request.", null, null);
      const body = req.json as Record<string, unknown>;
      const invalid = validate(body);
      if (invalid) return invalid;
      const model = (body.model as string | undefined) ?? "dall-e-2";
      const size = body.size === undefined || body.size === "auto" ? "1024x1024" : String(body.size);
      const [width = 1024, height = 1024] = size.split("x").map(Number);
      const n = Number(body.n ?? 1);
      const headers = {
        "x-ratelimit-limit-requests": "5",
        "x-ratelimit-remaining-requests": "4",
        "x-ratelimit-reset-requests": "12s",
        "x-request-id": `req_${Math.floor(t.rng() * 1e12).toString(16)}`,
      };
      if (model.startsWith("gpt-image")) {
        const b64 = Buffer.from(makePng(width, height)).toString("base64");
        const usage = {
          input_tokens: 50,
          input_tokens_details: { image_tokens: 0, text_tokens: 50 },
          output_tokens: 1056 * n,
          total_tokens: 50 + 1056 * n,
        };
        const json = {
          created: Math.floor(Date.now() / 1000),
          background: "opaque",
          data: Array.from({ length: n }, () => ({ b64_json: b64 })),
          output_format: body.output_format ?? "png",
          quality: body.quality ?? "auto",
          size,
          usage,
        };
        return { status: 200, json, headers };
      }
      const asB64 = body.response_format === "b64_json";
      const data = Array.from({ length: n }, () => {
        const item: Record<string, string> = asB64
          ? { b64_json: Buffer.from(makePng(width, height)).toString("base64") }
          : { url: t.addImage(width, height) };
        if (model === "dall-e-3") item.revised_prompt = `A detailed rendering of: ${body.prompt as string}`;
        return item;
      });
      return { status: 200, json: { created: Math.floor(Date.now() / 1000), data }, headers };
    },
  };
}

export const startOpenAIFake = (opts?: FakeOptions): Promise<RunningFake> => startFake(fakeSpec(), opts);
