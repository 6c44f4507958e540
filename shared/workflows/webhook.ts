// `workflow.completed`: sent once per completion to the workflow's webhook URL (or its project's),
// signed with the project's secret and delivered by the ordinary webhook consumer, like job events.
// A webhook event row belongs to a job, so the event is filed under the job whose ending completed
// the workflow, at job version -(1,000,000 + workflow version): never a real version, never one of
// the budget alerts' (shared/budgets/threshold-webhook.ts), and unique per completion.
import type { Db } from "../db/client";
import { getProjectWebhook, insertWebhookEvent, isUrlGone } from "../db/queries/webhooks";
import { newId } from "../ids";
import { isoTime } from "../time";
import { type WebhookDeliveryMessage, webhookDeliveryMessage } from "../webhooks/message";
import type { WorkflowMeta, WorkflowView } from "./object";

export const WORKFLOW_COMPLETED_EVENT = "workflow.completed";

export function completionJobVersion(workflowVersion: number): number {
  return -(1_000_000 + workflowVersion);
}

export function workflowCompletedBody(meta: WorkflowMeta, view: WorkflowView, at: number): string {
  return JSON.stringify({
    type: WORKFLOW_COMPLETED_EVENT,
    timestamp: isoTime(at),
    data: {
      object: "workflow",
      id: meta.workflowId,
      name: meta.name,
      project_id: meta.projectId,
      metadata: meta.metadata,
      version: view.version,
      total: view.total,
      counts: view.counts,
      done: view.done,
      completed_at: view.completedAt === null ? null : isoTime(view.completedAt),
    },
  });
}

export type CompletionWebhook =
  | { sent: false; reason: "no webhook url" | "already sent" }
  | { sent: true; eventId: string; status: "pending" | "gone" };

/** Writes the event row and enqueues its first delivery. A second call for the same completion does nothing. */
export async function emitWorkflowCompleted(
  deps: { db: Db; queue: Queue<WebhookDeliveryMessage>; now: number },
  meta: WorkflowMeta,
  view: WorkflowView,
  completingJobId: string,
): Promise<CompletionWebhook> {
  const url = meta.webhookUrl ?? (await getProjectWebhook(deps.db, meta.projectId))?.webhookUrl ?? null;
  if (!url) return { sent: false, reason: "no webhook url" };
  const gone = await isUrlGone(deps.db, meta.instanceId, url);
  const id = newId("msg");
  const body = workflowCompletedBody(meta, view, deps.now);
  const inserted = await insertWebhookEvent(deps.db, {
    id,
    jobId: completingJobId,
    instanceId: meta.instanceId,
    projectId: meta.projectId,
    type: WORKFLOW_COMPLETED_EVENT,
    jobVersion: completionJobVersion(view.version),
    url,
    body,
    status: gone ? "gone" : "pending",
    attempts: 0,
    createdAt: deps.now,
  });
  if (!inserted) return { sent: false, reason: "already sent" };
  if (gone) return { sent: true, eventId: id, status: "gone" };
  const delivery = {
    job_id: completingJobId,
    instance_id: meta.instanceId,
    project_id: meta.projectId,
    url,
    body,
  };
  await deps.queue.send(webhookDeliveryMessage(id, 1, 0, delivery), { contentType: "json" });
  return { sent: true, eventId: id, status: "pending" };
}
