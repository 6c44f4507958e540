// A fake prediction's life, computed from the clock rather than stored: the status at `now`
// follows from when it was created, how long it starts and runs, and any cancel or deadline.

export interface Prediction {
  id: string;
  model: string;
  version: string;
  input: Record<string, unknown>;
  createdAt: number;
  startMs: number;
  runMs: number;
  forced?: string;
  cancelAfterMs?: number;
  canceledAt?: number;
  seed: number;
  /** Hands out the output URLs; called once, when success is first seen, so TTLs start then. */
  makeOutputs(): string[];
  outputs?: string[];
}

const RATIOS = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"];
const FORMATS = ["webp", "jpg", "png"];

/** flux-schnell's input schema, enough of it; a message per the first problem found. */
export function validateInput(input: unknown): string | undefined {
  if (!input || typeof input !== "object" || Array.isArray(input)) return "input: Field required";
  const i = input as Record<string, unknown>;
  if (typeof i.prompt !== "string" || !i.prompt) return "input.prompt: Field required";
  if (i.aspect_ratio !== undefined && !RATIOS.includes(String(i.aspect_ratio))) {
    return `input.aspect_ratio: aspect_ratio must be one of the following: ${RATIOS.map((r) => `"${r}"`).join(", ")}`;
  }
  const n = i.num_outputs ?? 1;
  if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 4)
    return "input.num_outputs: must be an integer between 1 and 4";
  if (i.output_format !== undefined && !FORMATS.includes(String(i.output_format)))
    return "input.output_format: must be one of webp, jpg, png";
  if (i.seed !== undefined && !Number.isInteger(i.seed)) return "input.seed: must be an integer";
  return undefined;
}

const ERRORS: Record<string, string> = {
  safety: "NSFW content detected. Try running it again, or try a different prompt.",
  failed: "ValueError: prompt is too long for this model (max 256 tokens)",
  failed_oom: "CUDA out of memory. Tried to allocate 2.00 GiB",
};

interface State {
  status: string;
  endedAt?: number;
  error?: string;
}

function stateAt(p: Prediction, now: number): State {
  const startedAt = p.createdAt + p.startMs;
  const doneAt = p.forced === "stuck" ? Number.POSITIVE_INFINITY : startedAt + p.runMs;
  const deadline = p.cancelAfterMs !== undefined ? p.createdAt + p.cancelAfterMs : Number.POSITIVE_INFINITY;
  const stopAt = Math.min(deadline, p.canceledAt ?? Number.POSITIVE_INFINITY);
  if (stopAt < doneAt && now >= stopAt) {
    // Replicate: a deadline hit before the model started is "aborted"; otherwise "canceled".
    const aborted = stopAt === deadline && stopAt < startedAt && p.canceledAt === undefined;
    return { status: aborted ? "aborted" : "canceled", endedAt: stopAt };
  }
  if (now < startedAt) return { status: "starting" };
  if (now < doneAt) return { status: "processing" };
  if (p.forced === "canceled") return { status: "canceled", endedAt: doneAt };
  const error = p.forced ? ERRORS[p.forced] : undefined;
  return error ? { status: "failed", endedAt: doneAt, error } : { status: "succeeded", endedAt: doneAt };
}

export function predictionJson(p: Prediction, now: number, baseUrl: string) {
  const s = stateAt(p, now);
  if (s.status === "succeeded") p.outputs ??= p.makeOutputs();
  const started = now >= p.createdAt + p.startMs && s.status !== "aborted";
  const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
  const get = `${baseUrl}/v1/predictions/${p.id}`;
  return {
    id: p.id,
    model: p.model,
    version: p.version,
    input: p.input,
    logs: started ? `Using seed: ${p.seed}\n${s.status === "succeeded" ? "100%|██████████| 4/4\n" : ""}` : "",
    output: s.status === "succeeded" ? (p.outputs ?? []) : null,
    data_removed: false,
    error: s.error ?? null,
    status: s.status,
    created_at: iso(p.createdAt),
    started_at: started ? iso(p.createdAt + p.startMs) : null,
    completed_at: iso(s.endedAt),
    urls: { get, cancel: `${get}/cancel`, web: `https://replicate.com/p/${p.id}` },
    metrics:
      s.status === "succeeded" ? { predict_time: p.runMs / 1000, image_count: p.outputs?.length ?? 0 } : {},
  };
}
