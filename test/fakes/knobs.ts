// What a fake provider can be told to do (knobs) and what it counts (stats). Both travel as
// JSON over /__fake/config and /__fake/stats, so they are plain data.

export interface ErrorRates {
  /** Share of generation calls answered 500. */
  server5xx: number;
  /** Share answered 429 with Retry-After (on top of any real rate limit). */
  rateLimit429: number;
  /** Share that hang until the client gives up (or hangMs passes). */
  timeout: number;
  /** Share answered 200 with a truncated JSON body. */
  malformed: number;
}

export interface FakeKnobs {
  /** Added to every API call before it is answered (the "generation time"). */
  latencyMs: number;
  errorRates: ErrorRates;
  /** Forced outcomes for the next generation calls, consumed one per call: "500", "429",
   *  "timeout", "malformed", or a provider's named outcome ("insufficient_funds", "safety"…). */
  failNext: string[];
  /** Strict token bucket on generation calls; over it → 429 + Retry-After, counted. */
  rateLimit: { ratePerSecond: number; burst?: number } | null;
  /** Units in flight allowed at once (Ideogram: images); over it → 429, counted. */
  inflightLimit: number | null;
  /** 503 for everything, image URLs included. */
  down: boolean;
  /** How long a served image URL stays valid. */
  imageTtlMs: number;
  /** Seed of the RNG behind errorRates, ids and seeds: same seed, same run. */
  seed: number;
  /** Longest a "timeout" outcome holds the connection open. */
  hangMs: number;
  /** Puts the caller's key in error bodies, to prove the client redacts it. */
  echoKeyInErrors: boolean;
  /** Replicate: time a prediction spends "starting", then "processing". */
  predictionStartMs: number;
  predictionRunMs: number;
}

export const defaultKnobs = (): FakeKnobs => ({
  latencyMs: 0,
  errorRates: { server5xx: 0, rateLimit429: 0, timeout: 0, malformed: 0 },
  failNext: [],
  rateLimit: null,
  inflightLimit: null,
  down: false,
  imageTtlMs: 60_000,
  seed: 1,
  hangMs: 120_000,
  echoKeyInErrors: false,
  predictionStartMs: 200,
  predictionRunMs: 800,
});

/** Merges a JSON patch into the knobs; throws on a key or a type it does not know. */
export function applyKnobs(knobs: FakeKnobs, patch: unknown): FakeKnobs {
  if (!patch || typeof patch !== "object" || Array.isArray(patch))
    throw new Error("config must be a JSON object");
  const base = defaultKnobs();
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in base)) throw new Error(`unknown knob "${key}"`);
    const k = key as keyof FakeKnobs;
    if (k === "errorRates") {
      knobs.errorRates = { ...knobs.errorRates, ...(value as Partial<ErrorRates>) };
    } else if (k === "failNext") {
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
        throw new Error("failNext: string[]");
      knobs.failNext = [...value];
    } else if (k === "rateLimit") {
      const r = value as FakeKnobs["rateLimit"];
      if (r !== null && !(typeof r === "object" && r.ratePerSecond > 0))
        throw new Error("rateLimit: {ratePerSecond>0, burst?} | null");
      knobs.rateLimit = r;
    } else if (k === "inflightLimit") {
      if (value !== null && typeof value !== "number") throw new Error("inflightLimit: number | null");
      knobs.inflightLimit = value;
    } else {
      if (typeof value !== typeof base[k]) throw new Error(`${k}: expected ${typeof base[k]}`);
      Object.assign(knobs, { [k]: value });
    }
  }
  return knobs;
}

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Multipart fields (files as "[file name, size]"). */
  fields?: Record<string, string>;
  json?: unknown;
  /** Set when the body could not be parsed as its content-type says. */
  bodyError?: string;
}

export interface FakeStats {
  /** API calls (not image downloads, not /__fake). */
  calls: number;
  /** Calls that start work: the ones paced, limited and failed on purpose. */
  generateCalls: number;
  callsByStatus: Record<string, number>;
  /** Calls that arrived over a limit: rate (overRateCalls) plus in-flight (overInflightCalls). */
  overLimitCalls: number;
  overRateCalls: number;
  overInflightCalls: number;
  inFlight: number;
  maxInFlight: number;
  /** Ideogram: images in flight; others: generation calls in flight. */
  inFlightUnits: number;
  maxInFlightUnits: number;
  /**
   * Generation calls as they arrived (epoch ms), for pacing analysis, with the bench's
   * x-bench-call tag and their connection. `callTimes` gives the times alone.
   */
  callLog: { call: string; at: number; acceptedAt: number; nthOnConnection: number }[];
  imageDownloads: number;
  expiredImageDownloads: number;
  lastRequest: RecordedRequest | null;
  /** The last 200 API requests, oldest first. */
  requests: RecordedRequest[];
}

/** Arrival times (epoch ms) of the generation calls, in arrival order. */
export const callTimes = (stats: FakeStats): number[] => stats.callLog.map((c) => c.at);

export const emptyStats = (): FakeStats => ({
  calls: 0,
  generateCalls: 0,
  callsByStatus: {},
  overLimitCalls: 0,
  overRateCalls: 0,
  overInflightCalls: 0,
  inFlight: 0,
  maxInFlight: 0,
  inFlightUnits: 0,
  maxInFlightUnits: 0,
  callLog: [],
  imageDownloads: 0,
  expiredImageDownloads: 0,
  lastRequest: null,
  requests: [],
});

/** mulberry32: tiny, seedable, good enough to pick which calls fail. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A strict token bucket with continuous refill; denied calls take nothing. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }
  /** 0 when the call may go; else milliseconds until a token is there. */
  take(now: number): number {
    // Calls are judged in the order their bodies finish, which may differ from their arrival
    // order: an earlier arrival judged later counts as arriving with the one before it.
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) / 1000) * this.rate);
    this.last = Math.max(this.last, now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }
}
