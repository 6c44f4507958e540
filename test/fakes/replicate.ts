// Fake Replicate predictions: created "starting", then "processing", then terminal, on the
// clock (predictionStartMs / predictionRunMs). Honours Prefer: wait=N (holds the create call
// until terminal or N s) and Cancel-After (canceled, or aborted if it never started). Named
// failNext outcomes: insufficient_funds (402), safety (fails NSFW), failed (model error),
// failed_oom (infrastructure error), canceled, stuck (never finishes), expired (dead URLs).
import { sizeForRatio } from "./png";
import {
  type FakeOptions,
  type FakeReply,
  type FakeRequest,
  type FakeTools,
  type ProviderSpec,
  type RunningFake,
  startFake,
} from "./server";
import { type Prediction, predictionJson, validateInput } from "./replicate-prediction";
import { setTimeout as sleep } from "node:timers/promises";

export const REPLICATE_MODELS = [
  "black-forest-labs/flux-schnell",
  "black-forest-labs/flux-dev",
  "black-forest-labs/flux-1.1-pro",
];
const CREATE_MODEL = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/;
const ONE = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/;

const problem = (
  status: number,
  title: string,
  detail: string,
  headers?: Record<string, string>,
): FakeReply => ({
  status,
  json: { title, detail, status },
  contentType: "application/problem+json",
  headers,
});

/** Go-style durations as Cancel-After takes them: "300s", "5m", "1m30s". */
function durationMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.map((p) => p[0]).join("") !== value) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * (unit[p[2] ?? "s"] ?? 0), 0);
}

const isCreate = (req: FakeRequest) =>
  req.method === "POST" && (req.path === "/v1/predictions" || CREATE_MODEL.test(req.path));

/** This provider's fake, found by name by registry.ts (the one export every fake has). */
export function fakeSpec(): ProviderSpec {
  const predictions = new Map<string, Prediction>();
  const newId = (t: FakeTools) =>
    Array.from({ length: 26 }, () => "abcdefghijklmnopqrstuvwxyz234567"[Math.floor(t.rng() * 32)]).join("");

  async function create(req: FakeRequest, t: FakeTools, forced: string | undefined): Promise<FakeReply> {
    if (req.bodyError || !req.json || typeof req.json !== "object")
      return problem(400, "Invalid JSON", req.bodyError ?? "body must be a JSON object");
    const body = req.json as { version?: unknown; input?: unknown };
    const byModel = CREATE_MODEL.exec(req.path);
    let model: string;
    if (byModel) {
      model = `${byModel[1]}/${byModel[2]}`;
      if (!REPLICATE_MODELS.includes(model))
        return problem(404, "Not found", "The requested resource could not be found.");
    } else {
      if (typeof body.version !== "string" || !/^[0-9a-f]{64}$/.test(body.version)) {
        return problem(
          422,
          "Invalid version or not permitted",
          "The specified version does not exist (or perhaps you don't have permission to use it?)",
        );
      }
      model = "black-forest-labs/flux-schnell";
    }
    const invalid = validateInput(body.input);
    if (invalid)
      return {
        ...problem(422, "Input validation failed", `- ${invalid}`),
        json: {
          title: "Input validation failed",
          detail: `- ${invalid}`,
          status: 422,
          invalid_fields: [{ type: "invalid", field: "input", description: invalid }],
        },
      };
    const prefer = req.headers.prefer;
    const wait = prefer === undefined ? undefined : /^wait(?:=(\d+))?$/.exec(prefer.trim());
    if (prefer !== undefined && (!wait || Number(wait[1] ?? 60) < 1 || Number(wait[1] ?? 60) > 60)) {
      return problem(400, "Invalid Prefer header", "Prefer must be 'wait' or 'wait=N' with 1 <= N <= 60");
    }
    const cancelAfter = req.headers["cancel-after"];
    const cancelAfterMs = durationMs(cancelAfter);
    if (cancelAfter !== undefined && cancelAfterMs === undefined)
      return problem(400, "Invalid Cancel-After header", `cannot parse "${cancelAfter}"`);

    const input = body.input as Record<string, unknown>;
    const now = Date.now();
    const p: Prediction = {
      id: newId(t),
      model,
      version: typeof body.version === "string" ? body.version : "dp-4d0bcc010b3049749a251855f12800be",
      input,
      createdAt: now,
      startMs: t.knobs.predictionStartMs,
      runMs: t.knobs.predictionRunMs,
      forced,
      cancelAfterMs,
      seed: typeof input.seed === "number" ? input.seed : Math.floor(t.rng() * 2 ** 31),
      makeOutputs: () => {
        const { width, height } = sizeForRatio(String(input.aspect_ratio ?? "1:1"));
        return Array.from({ length: Number(input.num_outputs ?? 1) }, () => t.addImage(width, height));
      },
    };
    predictions.set(p.id, p);
    if (wait) {
      // Sync mode: hold the answer until the prediction ends or the wait runs out.
      const untilDone = p.forced === "stuck" ? Number.POSITIVE_INFINITY : p.startMs + p.runMs;
      await sleep(Math.min(Number(wait[1] ?? 60) * 1000, untilDone), undefined, { ref: false });
    }
    return { status: 201, json: predictionJson(p, Date.now(), t.baseUrl) };
  }

  return {
    name: "replicate",
    authorized: (req, key) =>
      req.headers.authorization === `Bearer ${key}` || req.headers.authorization === `Token ${key}`,
    errorKinds: ["insufficient_funds"],
    handlerOutcomes: ["safety", "failed", "failed_oom", "canceled", "stuck", "expired"],
    generationUnits: (req) => (isCreate(req) ? 1 : 0),

    errorReply(kind, req, t) {
      const sent = (req.headers.authorization ?? "").replace(/^(Bearer|Token) /, "");
      switch (kind) {
        case "401":
          return problem(
            401,
            "Unauthenticated",
            `You did not pass a valid authentication token${t.knobs.echoKeyInErrors ? ` (${sent})` : ""}`,
          );
        case "402":
        case "insufficient_funds":
          return problem(
            402,
            "Insufficient credit",
            "You have insufficient credit to run this model. Go to https://replicate.com/account/billing#billing to purchase credit.",
          );
        case "404":
          return problem(404, "Not found", "The requested resource could not be found.");
        case "422":
          return problem(422, "Input validation failed", "- input.prompt: Field required");
        case "429":
          return problem(
            429,
            "Request was throttled.",
            "Request was throttled. Expected available in 1 second.",
            { "retry-after": "1" },
          );
        default: {
          const status = Number(kind) || 500;
          return problem(
            status,
            status >= 500 ? "Internal Server Error" : "Error",
            status >= 500 ? "Something went wrong on our end." : `Request failed (${status})`,
          );
        }
      }
    },

    async handle(req, t, forced) {
      if (isCreate(req)) return create(req, t, forced);
      const one = ONE.exec(req.path);
      const p = one?.[1] ? predictions.get(one[1]) : undefined;
      if (!one || !p) return problem(404, "Not found", "The requested resource could not be found.");
      if (one[2] && req.method === "POST") {
        const now = Date.now();
        const status = predictionJson(p, now, t.baseUrl).status;
        if (!["succeeded", "failed", "canceled", "aborted"].includes(status)) p.canceledAt = now;
        return { status: 200, json: predictionJson(p, now, t.baseUrl) };
      }
      if (one[2] || req.method !== "GET")
        return problem(405, "Method not allowed", `${req.method} ${req.path}`);
      return { status: 200, json: predictionJson(p, Date.now(), t.baseUrl) };
    },
  };
}

export const startReplicateFake = (opts?: FakeOptions): Promise<RunningFake> => startFake(fakeSpec(), opts);
