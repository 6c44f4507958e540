// One object per instance with a budget (`instance:{id}:budget`): the month's spend, the
// reservations of its jobs in flight, the thresholds already alerted. The producer reserves a job's
// estimate before enqueueing it; the consumer settles the job at its end. One object serializes
// every reservation of the instance, so concurrent enqueues cannot all fit under the same
// headroom. The arithmetic is shared/budgets/arithmetic.ts; this class loads, calls and stores.
import { DurableObject } from "cloudflare:workers";
import {
  advance,
  type BudgetLimits,
  type BudgetState,
  emptyBudget,
  nextWakeAt,
  reserve,
  settle,
  spendView,
} from "../../shared/budgets/arithmetic";
import type { BudgetObject, BudgetSnapshot, ReserveAnswer, SettleAnswer } from "../../shared/budgets/object";
import { type BudgetSettings, DEFAULT_BUDGET_SETTINGS } from "../../shared/budgets/settings";

interface Stored {
  state: BudgetState;
  /** The instance limit last passed in (D1 holds it; `settle` and the view run without it). */
  limitUsd: number | null;
  settings: BudgetSettings;
}

export class Budget extends DurableObject<ConsumerEnv> implements BudgetObject {
  private stored!: Stored;

  constructor(ctx: DurableObjectState, env: ConsumerEnv) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.stored = ctx.storage.kv.get<Stored>("budget") ?? {
        state: emptyBudget(Date.now()),
        limitUsd: null,
        settings: DEFAULT_BUDGET_SETTINGS,
      };
    });
  }

  /** Holds the job's estimate, or refuses it when a hard limit would pass. `limitUsd` is D1's current one. */
  async reserve(job: {
    jobId: string;
    projectId: string;
    amountUsd: number;
    limitUsd: number | null;
  }): Promise<ReserveAnswer> {
    const now = Date.now();
    this.stored.limitUsd = job.limitUsd;
    const result = reserve(this.stored.state, this.limits(), job, now);
    if (!result.ok) {
      const { ok, scope, limitUsd, committedUsd } = result;
      return { ok, scope, limitUsd, committedUsd };
    }
    await this.save(result.state, now);
    return { ok: true };
  }

  /** The job ended: its actual cost (0 when it failed or was canceled) replaces its reservation. */
  async settle(job: { jobId: string; projectId: string; actualUsd: number }): Promise<SettleAnswer> {
    const now = Date.now();
    const { state, crossed } = settle(this.stored.state, this.limits(), job, now);
    await this.save(state, now);
    return { crossed, month: state.month, spentUsd: state.spentUsd, limitUsd: this.stored.limitUsd };
  }

  /** PUT /v1/admin/budget: the limit as just written to D1, the thresholds and project limits. */
  async configure(limitUsd: number | null, settings: BudgetSettings): Promise<BudgetSnapshot> {
    this.stored.limitUsd = limitUsd;
    this.stored.settings = settings;
    await this.save(this.stored.state, Date.now());
    return this.snapshot(limitUsd);
  }

  /** GET /v1/admin/budget: `limitUsd` is D1's current limit. */
  async snapshot(limitUsd: number | null): Promise<BudgetSnapshot> {
    const limits = { ...this.limits(), monthlyUsd: limitUsd };
    return {
      limitUsd,
      settings: this.stored.settings,
      spend: spendView(this.stored.state, limits, Date.now()),
    };
  }

  /** Drops expired reservations and starts the new month even when no job comes by. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    await this.save(advance(this.stored.state, now), now);
  }

  private limits(): BudgetLimits {
    const { limitUsd, settings } = this.stored;
    return { monthlyUsd: limitUsd, projectUsd: settings.projectLimitsUsd, thresholds: settings.thresholds };
  }

  private async save(state: BudgetState, now: number): Promise<void> {
    this.stored.state = state;
    this.ctx.storage.kv.put("budget", this.stored);
    const wake = nextWakeAt(state, now);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > wake) await this.ctx.storage.setAlarm(wake);
  }
}
