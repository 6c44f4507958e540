// The shapes bench/results/latest.json holds, as the renderers read them (bench/lib/*.ts write
// them). Every field is optional: the renderers take the file as unknown input.

export interface Summary {
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
}
export interface Machine {
  nproc?: number;
  cpuModel?: string;
  memTotalGiB?: number;
  node?: string;
  wrangler?: string;
  workerd?: string;
  platform?: string;
  loadAverage?: number[];
}
export interface RunHeader {
  kind?: string;
  startedAt?: string;
  finishedAt?: string;
  durationSeconds?: number;
  machine?: Machine;
  loadAverageAtEnd?: number[];
  error?: string;
}
export interface PacingAccount {
  tenant?: string;
  limitPerSecond?: number;
  calls?: number;
  overLimitCalls?: number;
  steadyCallsPerSecond?: number;
  ratio?: number;
  maxCallsInAnyOneSecond?: number;
  acceptedCallsPerSecond?: number;
  gapMs?: Summary;
}
export interface PacingScenario {
  scenario?: string;
  description?: string;
  jobs?: number;
  drainSeconds?: number;
  statuses?: Record<string, number>;
  accounts?: PacingAccount[];
  pass?: boolean;
}
export interface Throughput {
  jobs?: number;
  completed?: number;
  concurrency?: number;
  enqueuePerSecond?: number;
  enqueueLatencyMs?: Summary;
  endToEndSeconds?: number;
  jobsPerSecond?: number;
  webhookDeliveries?: number;
  batches?: { batches?: number; meanBatchSize?: number; batchMs?: Summary };
}
export interface LatencyCall {
  calls?: number;
  errors?: number;
  latencyMs?: Summary;
}
export interface LatencyPoint {
  offeredPerSecond?: number;
  seconds?: number;
  unfinishedAtStart?: number;
  unfinishedAtEnd?: number;
  enqueue?: LatencyCall;
  statusGet?: LatencyCall;
}
export interface CostLine {
  item?: string;
  perJob?: number;
  unitPricePerMillion?: number;
  usdPerMillionJobs?: number;
  note?: string;
}
export interface Cost {
  jobs?: number;
  scope?: string;
  model?: {
    perJob?: Record<string, number>;
    lines?: CostLine[];
    countedUsdPerMillionJobs?: number;
    totalUsdPerMillionJobs?: number;
    prices?: { source?: string };
  };
}
export interface Bundle {
  worker?: string;
  modules?: string[];
  bytes?: number;
  gzipBytes?: number;
  startupMs?: { median?: number; runs?: number[] };
}
export interface BenchResult extends RunHeader {
  settings?: { rate?: number; fakeBurst?: number; limitFactor?: number; only?: string[] };
  pacing?: { rate?: number; burst?: number; fakeLatencyMs?: number; scenarios?: PacingScenario[] };
  throughput?: {
    genqueue?: Throughput;
    floor?: Throughput;
    baseline?: Throughput;
    ratioToFloor?: number;
    ratioToBaseline?: number;
  };
  latency?: LatencyPoint[];
  cost?: Cost;
  bundles?: Bundle[];
}
export interface SoakResult extends RunHeader {
  settings?: {
    jobs?: number;
    providerErrorRates?: Record<string, number>;
    providerLimit?: { ratePerSecond?: number; burst?: number };
    providerInflightLimit?: number;
    instanceLimit?: { provider?: string; ratePerSecond?: number; burst?: number; maxInFlight?: number };
    duplicateDelivery?: string[];
    crashAfterProviderRate?: number;
    webhookReceiverDown?: { forSeconds?: number };
    jobsQueueMaxBatchSize?: number;
    consumerVars?: Record<string, string>;
  };
  figures?: {
    accepted?: number;
    statuses?: Record<string, number>;
    secondsToAllTerminal?: number;
    secondsToAllWebhooks?: number;
    jobsPerSecond?: number;
    provider?: {
      generateCalls?: number;
      callsByStatus?: Record<string, number>;
      callsPerJob?: number;
      overLimitCalls?: number;
      fakeThread?: { longestStallMs?: number };
    };
    chaos?: { crashes?: number; duplicates?: Record<string, number> };
    pacing?: {
      grants?: number;
      rebookings?: number;
      earlyCheckIns?: number;
      denialsByReason?: Record<string, number>;
      secondsWithCircuitOpenDenials?: number;
    };
    webhookDeliveries?: number;
    deadLetters?: number;
  };
  checks?: { name?: string; pass?: boolean; detail?: string }[];
  pass?: boolean;
}
