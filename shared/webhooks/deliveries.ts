// A job's webhook history (events with their attempts) and redelivery of its latest event.
import type { Db } from "../db/client";
import { log } from "../observability/log";
import { getJobForInstance, type JobScope } from "../db/queries/jobs";
import {
  clearGoneUrl,
  latestWebhookEventForJob,
  listWebhookEventsForJob,
  reopenEvent,
  restoreEvent,
  type WebhookEventRow,
} from "../db/queries/webhooks";
import { ApiError } from "../errors";
import { type WebhookDeliveryMessage, webhookDeliveryMessage } from "./message";
import type { WebhookEventType } from "./payload";
import type { WebhookEvent, WebhookEventList } from "./schemas";
import { isoTime, isoTimeOrNull } from "../time";

export function serializeWebhookEvent(event: WebhookEventRow): WebhookEvent {
  return {
    id: event.id,
    object: "webhook_event",
    type: event.type as WebhookEventType,
    job_id: event.jobId,
    job_version: event.jobVersion,
    url: event.url,
    status: event.status,
    created_at: isoTime(event.createdAt),
    delivered_at: isoTimeOrNull(event.deliveredAt),
    attempts: event.attemptLog.map((a) => ({
      attempt: a.attempt,
      url: a.url,
      status_code: a.statusCode,
      duration_ms: a.durationMs,
      error: a.error,
      next_attempt_at: isoTimeOrNull(a.nextAttemptAt),
      created_at: isoTime(a.createdAt),
    })),
  };
}

/** The job as the caller may see it: its instance and, for a project-bound key, its project only. */
async function jobOf(db: Db, scope: string | JobScope, jobId: string) {
  const job = await getJobForInstance(db, scope, jobId);
  if (!job) throw new ApiError("job_not_found", `No job ${jobId}`);
  return job;
}

export async function listJobWebhooks(
  db: Db,
  scope: string | JobScope,
  jobId: string,
): Promise<WebhookEventList> {
  const job = await jobOf(db, scope, jobId);
  // A budget.threshold_reached event filed under this job goes to every project's URL: show the job's own project's only.
  const events = (await listWebhookEventsForJob(db, job.id)).filter((e) => e.projectId === job.projectId);
  return { object: "list", job_id: job.id, data: events.map(serializeWebhookEvent) };
}

export interface RedeliverDeps {
  db: Db;
  queue: Queue<WebhookDeliveryMessage>;
}

/**
 * Sends the job's latest webhook event again: same webhook-id (receivers dedupe on it), a fresh
 * timestamp and signature, attempt numbers continuing, and a fresh retry schedule. Asking for it is
 * also how a URL that answered 410 Gone is taken back into service.
 */
export async function redeliverLatestWebhook(
  deps: RedeliverDeps,
  scope: string | JobScope,
  jobId: string,
): Promise<WebhookEvent> {
  const { db } = deps;
  const job = await jobOf(db, scope, jobId);
  if (job.deletedAt !== null)
    throw new ApiError("job_deleted", `Job ${job.id} was deleted: nothing to redeliver`);
  const event = await latestWebhookEventForJob(db, job.id);
  if (!event)
    throw new ApiError("webhook_event_not_found", `Job ${job.id} has no webhook event to redeliver`);
  // Both before the send: the consumer must find the event pending and the URL deliverable.
  await reopenEvent(db, event);
  await clearGoneUrl(db, event.instanceId, event.url);
  try {
    await deps.queue.send(webhookDeliveryMessage(event.id), { contentType: "json" });
  } catch (error) {
    log("error", "webhook redelivery enqueue failed", { event_id: event.id, error: String(error) });
    await restoreEvent(db, event);
    throw new ApiError("queue_unavailable", "The redelivery could not be enqueued; try again");
  }
  return serializeWebhookEvent({ ...event, status: "pending", deliveredAt: null });
}
