// What an admin sets for an instance's budget, and the name of the object that keeps its spend.
// The instance's monthly limit is the `instances.monthly_budget_usd` column (loaded with the API
// key, so an instance without a budget costs nothing more per job); the thresholds and project
// limits live in the Budget object beside the spend they apply to.
import { DEFAULT_THRESHOLDS } from "./arithmetic";

export interface BudgetSettings {
  /** Alert percentages of the monthly limit, ascending, 1-100. */
  thresholds: number[];
  /** Per-project monthly hard limits in USD, by project id. */
  projectLimitsUsd: Record<string, number>;
}

export const DEFAULT_BUDGET_SETTINGS: BudgetSettings = {
  thresholds: DEFAULT_THRESHOLDS,
  projectLimitsUsd: {},
};

/** One Budget object per instance. */
export function budgetObjectName(instanceId: string): string {
  return `instance:${instanceId}:budget`;
}
