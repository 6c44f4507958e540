// The soft alert: `budget.threshold_reached`, once per threshold per month (the Budget object
// reports each crossing once), to the webhook URL of every project of the instance that has one,
// signed with that project's secret like its job events. A webhook event row belongs to a job, so
// the event is filed under the job whose cost crossed the threshold (job version -(pct*1000+n), never
// a real version), and is delivered from its row by the ordinary webhook consumer.
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { insertWebhookEvent } from "../db/queries/webhooks";
import { projects } from "../db/schema";
import { newId } from "../ids";
import { type WebhookDeliveryMessage, webhookDeliveryMessage } from "../webhooks/message";

export const BUDGET_THRESHOLD_EVENT = "budget.threshold_reached";

export interface ThresholdCrossing {
  instanceId: string;
  /** The job whose settled cost crossed it. */
  jobId: string;
  projectId: string;
  thresholdPercent: number;
  month: string;
  spentUsd: number;
  limitUsd: number | null;
}

export function thresholdWebhookBody(c: ThresholdCrossing, at: Date): string {
  return JSON.stringify({
    type: BUDGET_THRESHOLD_EVENT,
    timestamp: at.toISOString(),
    data: {
      object: "budget_threshold",
      instance_id: c.instanceId,
      month: c.month,
      threshold_percent: c.thresholdPercent,
      spent_usd: c.spentUsd,
      monthly_limit_usd: c.limitUsd,
      job_id: c.jobId,
      project_id: c.projectId,
    },
  });
}

/** Writes one event per project webhook URL of the instance and enqueues its delivery. Returns how many. */
export async function emitThresholdWebhooks(
  deps: { db: Db; queue: Queue<WebhookDeliveryMessage>; now: number },
  crossing: ThresholdCrossing,
): Promise<number> {
  const { db } = deps;
  const targets = await db
    .select({ id: projects.id, url: projects.webhookUrl })
    .from(projects)
    .where(
      and(
        eq(projects.instanceId, crossing.instanceId),
        isNotNull(projects.webhookUrl),
        isNull(projects.archivedAt),
      ),
    )
    .orderBy(projects.id)
    .all();
  const body = thresholdWebhookBody(crossing, new Date(deps.now));
  let sent = 0;
  for (const [n, target] of targets.slice(0, 999).entries()) {
    const id = newId("msg");
    const inserted = await insertWebhookEvent(db, {
      id,
      jobId: crossing.jobId,
      instanceId: crossing.instanceId,
      projectId: target.id,
      type: BUDGET_THRESHOLD_EVENT,
      jobVersion: -(crossing.thresholdPercent * 1000 + n),
      url: target.url ?? "",
      body,
      status: "pending",
      createdAt: deps.now,
    });
    if (!inserted) continue;
    await deps.queue.send(webhookDeliveryMessage(id), { contentType: "json" });
    sent++;
  }
  return sent;
}
