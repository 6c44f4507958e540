// The contract between the fake server shell (server.ts) and each provider's fake: what a
// provider supplies (ProviderSpec), what it gets per call (FakeTools), and what tests get back.
import type { FakeKnobs, FakeStats, RecordedRequest } from "./knobs";

export interface FakeRequest extends RecordedRequest {
  url: URL;
}

export interface FakeReply {
  status: number;
  json?: unknown;
  body?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
  /** Never answer: hold the connection until the client leaves (or hangMs passes). */
  hang?: boolean;
}

export interface FakeTools {
  knobs: FakeKnobs;
  baseUrl: string;
  apiKey: string;
  /** RNG for ids and seeds (separate from the one that injects errors). */
  rng(): number;
  /** Stores a PNG and returns its absolute URL (already expired when the call was forced "expired"). */
  addImage(width: number, height: number): string;
}

export interface ProviderSpec {
  name: string;
  authorized(req: FakeRequest, key: string): boolean;
  /** Outcome names the spec answers as errors (numeric statuses are always accepted). */
  errorKinds: readonly string[];
  /** Outcome names the handler plays inside a call (unsafe images, failed predictions…). */
  handlerOutcomes: readonly string[];
  errorReply(kind: string, req: FakeRequest, tools: FakeTools): FakeReply;
  /** Units a call puts in flight (Ideogram: images); 0 when it does not start work. */
  generationUnits(req: FakeRequest): number;
  handle(req: FakeRequest, tools: FakeTools, forced: string | undefined): Promise<FakeReply>;
}

export interface FakeOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  knobs?: Partial<FakeKnobs>;
}

export interface RunningFake {
  url: string;
  port: number;
  knobs: FakeKnobs;
  stats(): FakeStats;
  configure(patch: Partial<FakeKnobs>): void;
  reset(): void;
  close(): Promise<void>;
}
