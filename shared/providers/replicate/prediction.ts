// Replicate's long-running prediction: parse it, poll it to a terminal state within a budget,
// cancel it when we give up, and turn its outcome into images or a ProviderError.
import * as z from "../../zod-mini";
import { ProviderError, type ProviderErrorCode } from "../errors";
import { errorFromResponse, fetchWithTimeout, invalidResponse, readJson, redact } from "../http";
import type { ProviderCallContext } from "../types";

const NAME = "replicate";

export const PredictionSchema = z.object({
  id: z.string(),
  // Kept open: a status we do not know yet is treated as "still running" and polled.
  status: z.string(),
  output: z.nullish(z.union([z.array(z.string()), z.string()])),
  error: z.nullish(z.unknown()),
  logs: z.nullish(z.string()),
  urls: z.nullish(z.object({ get: z.optional(z.string()), cancel: z.optional(z.string()) })),
});
export type Prediction = z.infer<typeof PredictionSchema>;

const TERMINAL = new Set(["succeeded", "failed", "canceled", "aborted"]);
export const isTerminal = (p: Prediction) => TERMINAL.has(p.status);

export async function parsePrediction(res: Response): Promise<Prediction> {
  const parsed = PredictionSchema.safeParse(await readJson(res, NAME));
  if (!parsed.success) throw invalidResponse(NAME, "not a prediction object");
  return parsed.data;
}

// A model's error text is the only signal. Safety wording → safety; no text at all or the
// wording of an infrastructure hiccup → unavailable (retryable, another run may well pass);
// any other explicit message is the model refusing this input → bad request (permanent).
const SAFETY = /nsfw|safety|sensitive content/i;
const TRANSIENT =
  /out of memory|cuda|interrupted|timed? ?out|internal|unavailable|connection|capacity|preempt/i;

export function classifyPredictionError(error: unknown): ProviderErrorCode {
  const text = typeof error === "string" ? error : error ? JSON.stringify(error) : "";
  if (SAFETY.test(text)) return "provider_safety_rejected";
  if (!text.trim() || TRANSIENT.test(text)) return "provider_unavailable";
  return "provider_bad_request";
}

/** The outcome of a terminal prediction that did not succeed. */
export function predictionFailure(p: Prediction, apiKey?: string): ProviderError {
  if (p.status === "canceled") {
    return new ProviderError({
      code: "provider_unavailable",
      message: `${NAME}: prediction ${p.id} was canceled`,
      provider: NAME,
    });
  }
  if (p.status === "aborted") {
    const message = `${NAME}: prediction ${p.id} hit its deadline before it started`;
    return new ProviderError({ code: "provider_timeout", message, provider: NAME });
  }
  const text = redact(typeof p.error === "string" ? p.error : JSON.stringify(p.error ?? ""), apiKey).slice(
    0,
    300,
  );
  const code = classifyPredictionError(p.error);
  return new ProviderError({
    code,
    message: `${NAME}: prediction ${p.id} failed: ${text || "no reason given"}`,
    provider: NAME,
  });
}

/** Where to poll / cancel: the prediction's own URLs only if they are on our base URL's origin,
 *  so the token is never sent elsewhere and a gateway base URL keeps seeing every call. */
export function predictionUrls(p: Prediction, baseUrl: string): { get: string; cancel: string } {
  const base = baseUrl.replace(/\/+$/, "");
  const own = (u: string | undefined, fallback: string) => {
    try {
      return u && new URL(u).origin === new URL(base).origin ? u : fallback;
    } catch {
      return fallback;
    }
  };
  const self = `${base}/v1/predictions/${encodeURIComponent(p.id)}`;
  return { get: own(p.urls?.get, self), cancel: own(p.urls?.cancel, `${self}/cancel`) };
}

type Ctx = ProviderCallContext & { apiKey: string };

/** Best effort: a cancel that fails changes nothing for the caller (Cancel-After backs it up). */
export async function cancelPrediction(p: Prediction, ctx: Ctx): Promise<void> {
  // The job's own signal may be what fired: cancel on a fresh one, still under a timeout.
  const fresh = {
    ...ctx,
    signal: new AbortController().signal,
    requestTimeoutMs: Math.min(ctx.requestTimeoutMs, 10_000),
  };
  const headers = { Authorization: `Bearer ${ctx.apiKey}` };
  try {
    const res = await fetchWithTimeout(
      fresh,
      predictionUrls(p, ctx.baseUrl).cancel,
      { method: "POST", headers },
      NAME,
    );
    await res.body?.cancel();
  } catch {
    // ignored on purpose
  }
}

/** ctx.sleep takes no signal: race it with the abort so a canceled job stops polling at once. */
async function sleepUnlessAborted(ctx: Ctx, ms: number): Promise<void> {
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = () => resolve();
    ctx.signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([ctx.sleep(ms), aborted]);
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
  }
}

/** Polls with backoff (500 ms ×1.5, capped at 5 s) until terminal; on the deadline, cancels. */
export async function pollPrediction(first: Prediction, ctx: Ctx, deadline: number): Promise<Prediction> {
  let p = first;
  let delay = 500;
  while (!isTerminal(p)) {
    if (ctx.signal.aborted || ctx.now() >= deadline) {
      await cancelPrediction(p, ctx);
      const message = `${NAME}: prediction ${p.id} still ${p.status} at the deadline; canceled`;
      throw new ProviderError({ code: "provider_timeout", message, provider: NAME });
    }
    await sleepUnlessAborted(ctx, Math.min(delay, Math.max(0, deadline - ctx.now())));
    delay = Math.min(5000, delay * 1.5);
    try {
      const res = await fetchWithTimeout(
        ctx,
        predictionUrls(p, ctx.baseUrl).get,
        {
          headers: { Authorization: `Bearer ${ctx.apiKey}` },
        },
        NAME,
      );
      if (!res.ok) throw await errorFromResponse(res, ctx, NAME);
      p = await parsePrediction(res);
    } catch (e) {
      // The prediction is running and paid for: ride out a transient polling failure.
      if (!(e instanceof ProviderError) || !e.retryable) throw e;
      if (e.retryAfterMs) delay = Math.min(5000, Math.max(delay, e.retryAfterMs));
    }
  }
  return p;
}
