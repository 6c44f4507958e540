// The Budget object's RPC surface (consumers/src/budget-object.ts), for callers in either Worker:
// the producer's binding names the consumer's class by script_name, so its generated type is untyped.
import type { SpendView } from "./arithmetic";
import { type BudgetSettings, budgetObjectName } from "./settings";

export type ReserveAnswer =
  | { ok: true }
  | { ok: false; scope: "instance" | "project"; limitUsd: number; committedUsd: number };

export interface SettleAnswer {
  /** Thresholds (percent) this settle crossed first this month: one alert each. */
  crossed: number[];
  month: string;
  spentUsd: number;
  limitUsd: number | null;
}

export interface BudgetSnapshot {
  limitUsd: number | null;
  settings: BudgetSettings;
  spend: SpendView;
}

export interface BudgetObject {
  reserve(job: {
    jobId: string;
    projectId: string;
    amountUsd: number;
    limitUsd: number | null;
  }): Promise<ReserveAnswer>;
  settle(job: { jobId: string; projectId: string; actualUsd: number }): Promise<SettleAnswer>;
  configure(limitUsd: number | null, settings: BudgetSettings): Promise<BudgetSnapshot>;
  snapshot(limitUsd: number | null): Promise<BudgetSnapshot>;
}

export type BudgetNamespace = DurableObjectNamespace<BudgetObject & Rpc.DurableObjectBranded>;

/** The instance's Budget object, from a binding of either Worker. */
export function budgetOf(
  namespace: unknown,
  instanceId: string,
): DurableObjectStub<BudgetObject & Rpc.DurableObjectBranded> {
  return (namespace as BudgetNamespace).getByName(budgetObjectName(instanceId));
}
