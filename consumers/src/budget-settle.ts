// The consumer's side of a budget: at a job's end its reservation in the instance's Budget object
// is settled with what it cost (its estimate from the price table when it succeeded, 0 otherwise).
// Instances without a budget skip it on the settings already cached for the job (no statement, no
// object call). A failed settle is logged and left to the reservation's expiry: it never fails the job.
import type { Db } from "../../shared/db/client";
import type { JobRow } from "../../shared/db/queries/jobs";
import { budgetOf } from "../../shared/budgets/object";
import { emitThresholdWebhooks } from "../../shared/budgets/threshold-webhook";
import type { WebhookDeliveryMessage } from "../../shared/webhooks/message";
import type { JobDeps } from "./job-deps";
import { log } from "./log";
import { instanceSettings } from "./pacing";

export interface SettleDeps {
  db: Db;
  /** The BUDGET binding. */
  budgets: unknown;
  /** Where budget.threshold_reached events go (the WEBHOOKS queue). */
  webhooks: Queue<WebhookDeliveryMessage>;
  now: number;
}

/** A job step's deps, as settling needs them. */
export function budgetDeps(deps: JobDeps): SettleDeps {
  return { db: deps.db, budgets: deps.env.BUDGET, webhooks: deps.env.WEBHOOKS, now: deps.now() };
}

export async function settleJobBudget(
  deps: SettleDeps,
  job: Pick<JobRow, "id" | "instanceId" | "projectId">,
  actualUsd: number,
): Promise<void> {
  try {
    const settings = await instanceSettings(deps.db, job.instanceId, deps.now);
    if (settings.monthlyBudgetUsd == null) return;
    const answer = await budgetOf(deps.budgets, job.instanceId).settle({
      jobId: job.id,
      projectId: job.projectId,
      actualUsd,
    });
    for (const threshold of answer.crossed) {
      const crossing = {
        instanceId: job.instanceId,
        jobId: job.id,
        projectId: job.projectId,
        thresholdPercent: threshold,
        month: answer.month,
        spentUsd: answer.spentUsd,
        limitUsd: answer.limitUsd,
      };
      const sent = await emitThresholdWebhooks(
        { db: deps.db, queue: deps.webhooks, now: deps.now },
        crossing,
      );
      log("warn", "budget threshold reached", { ...crossing, webhooks: sent });
    }
  } catch (error) {
    log("error", "budget settle failed; the reservation will expire", {
      job_id: job.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
