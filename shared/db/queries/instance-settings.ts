import { eq } from "drizzle-orm";
import type { StoredAiGateway } from "../../providers/gateway";
import type { Db } from "../client";
import { instances, providerLimits } from "../schema";

export interface InstanceSettings {
  fallbackProviders: string[] | null;
  limits: Map<
    string,
    { ratePerSecond: number; burst: number; maxInFlight: number; tokensPerMinute?: number | null }
  >;
  /** The instance's Cloudflare AI Gateway (token still sealed); null: providers called directly. */
  aiGateway: StoredAiGateway | null;
  /** The instance's monthly budget (shared/budgets); null or absent: none, and no Budget object is called. */
  monthlyBudgetUsd?: number | null;
}

/** The per-tenant knobs the consumer needs for every job of an instance, in one round trip. */
export async function loadInstanceSettings(db: Db, instanceId: string): Promise<InstanceSettings> {
  const [instance, limits] = await db.batch([
    db
      .select({
        fallbackProviders: instances.fallbackProviders,
        aiGateway: instances.aiGateway,
        monthlyBudgetUsd: instances.monthlyBudgetUsd,
      })
      .from(instances)
      .where(eq(instances.id, instanceId)),
    db.select().from(providerLimits).where(eq(providerLimits.instanceId, instanceId)),
  ]);
  return {
    fallbackProviders: instance[0]?.fallbackProviders ?? null,
    limits: new Map(limits.map((row) => [row.provider, row])),
    aiGateway: instance[0]?.aiGateway ?? null,
    monthlyBudgetUsd: instance[0]?.monthlyBudgetUsd ?? null,
  };
}
