// The producer's side of a budget: a job's estimate is reserved in its instance's Budget object
// before the job is written, and released again if the job never gets enqueued. Instances without
// a budget never reach this module (the limit comes with the API key's lookup).
import { ApiError } from "../errors";
import type { CreateJobBody } from "../jobs/schemas";
import { estimateJobCostUsd } from "../providers/job-cost";
import { isProviderName } from "../providers/registry";
import { providerNames, type ProviderName } from "../providers/names";
import { budgetOf } from "./object";

export interface BudgetGate {
  /** The instance's Budget objects (the producer's BUDGET binding). */
  namespace: unknown;
  limitUsd: number;
}

/**
 * The most the job can cost at list prices: its provider's estimate, or, when a strategy or the
 * instance default picks the provider at run time, the dearest provider's; the same for each
 * fallback it may move to. Overestimating refuses a job early; underestimating would let a burst
 * of jobs pass the limit.
 */
export function worstCaseEstimateUsd(
  body: Pick<CreateJobBody, "provider" | "input" | "fallback_providers">,
): number {
  const named =
    body.provider !== undefined && isProviderName(body.provider) ? [body.provider] : providerNames;
  const candidates: ProviderName[] = [...named, ...(body.fallback_providers ?? [])];
  return Math.max(0, ...candidates.map((p) => estimateJobCostUsd(p, body.input)));
}

/** Holds the job's estimate, or throws 402 budget_exceeded. */
export async function reserveForJob(
  gate: BudgetGate,
  job: { id: string; instanceId: string; projectId: string },
  body: Pick<CreateJobBody, "provider" | "input" | "fallback_providers">,
): Promise<void> {
  const amountUsd = worstCaseEstimateUsd(body);
  const answer = await budgetOf(gate.namespace, job.instanceId).reserve({
    jobId: job.id,
    projectId: job.projectId,
    amountUsd,
    limitUsd: gate.limitUsd,
  });
  if (answer.ok) return;
  const whose = answer.scope === "project" ? `Project ${job.projectId}'s` : "The instance's";
  throw new ApiError(
    "budget_exceeded",
    `${whose} monthly budget of ${answer.limitUsd} USD has ${round(answer.limitUsd - answer.committedUsd)} USD ` +
      `left (spent and held by jobs in flight); this job may cost up to ${amountUsd} USD`,
  );
}

/** Gives back the estimate of a job that was not enqueued after all. */
export async function releaseForJob(
  gate: BudgetGate,
  job: { id: string; instanceId: string; projectId: string },
) {
  await budgetOf(gate.namespace, job.instanceId).settle({
    jobId: job.id,
    projectId: job.projectId,
    actualUsd: 0,
  });
}

const round = (usd: number) => Math.max(0, Math.round(usd * 1e4) / 1e4);
