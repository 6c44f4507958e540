// Turning a job's state change into a webhook event: one webhook_events row per job version (its
// id is the webhook-id of every attempt) and one message on the webhooks queue, carrying a copy of
// what the POST needs so the delivery does not read the row back. Called after each
// state change; calling it again for the same job state changes nothing. The job pipeline never
// waits on a receiver: this only writes a row and enqueues.
import type { Db } from "../db/client";
import { getJob, type JobRow } from "../db/queries/jobs";
import {
  getProjectWebhook,
  hasWebhookEventOfType,
  insertWebhookEvent,
  isUrlGone,
  finishEventStatement,
} from "../db/queries/webhooks";
import { newId } from "../ids";
import { log } from "../observability/log";
import { serializeJob } from "../jobs/serialize";
import { type DeliveryCopy, type WebhookDeliveryMessage, webhookDeliveryMessage } from "./message";
import { buildWebhookBody, eventForStatus, wantsEvent, type WebhookEventType } from "./payload";

export interface EmitDeps {
  db: Db;
  queue: Queue<WebhookDeliveryMessage>;
  now: () => number;
}

export type EmitResult =
  | { emitted: false; reason: string }
  | { emitted: true; eventId: string; type: WebhookEventType; status: "pending" | "gone" | "failed" };

async function emit(deps: EmitDeps, jobId: string): Promise<EmitResult> {
  const { db } = deps;
  const job = await getJob(db, jobId);
  if (!job) return { emitted: false, reason: "no such job" };
  const type = eventForStatus(job.status);
  if (!type) return { emitted: false, reason: `no event for status ${job.status}` };
  if (!wantsEvent(job.webhookEvents, type)) return { emitted: false, reason: `${type} not in the filter` };
  const project = job.webhookUrl ? null : await getProjectWebhook(db, job.projectId);
  const url = job.webhookUrl ?? project?.webhookUrl ?? null;
  if (!url) return { emitted: false, reason: "no webhook url" };
  // Only the transition INTO the status is an event: a `cancel_requested` on a running job keeps
  // the status `running` at a new version, and must not report the job started again.
  const change = job.events.find((event) => event.version === job.version);
  if (change?.type !== job.status) return { emitted: false, reason: "current version is not a transition" };
  // A retried job is claimed again; receivers hear that it started once.
  if (type === "job.started" && (await hasWebhookEventOfType(db, job.id, type))) {
    return { emitted: false, reason: "job.started already sent" };
  }

  const body = buildWebhookBody(type, new Date(change.createdAt), serializeJob(job));
  const gone = await isUrlGone(db, job.instanceId, url);
  const eventId = newId("msg");
  const inserted = await insertWebhookEvent(db, {
    id: eventId,
    jobId: job.id,
    instanceId: job.instanceId,
    projectId: job.projectId,
    type,
    jobVersion: job.version,
    url,
    body,
    // A URL that answered 410 Gone gets nothing more: the event is recorded, never sent.
    status: gone ? "gone" : "pending",
    attempts: 0,
    createdAt: deps.now(),
  });
  if (!inserted) return { emitted: false, reason: "already emitted for this job version" };
  if (gone) return { emitted: true, eventId, type, status: "gone" };
  const delivery = { job_id: job.id, instance_id: job.instanceId, project_id: job.projectId, url, body };
  return enqueue(deps, job.id, eventId, type, delivery);
}

/** Sends the event's first delivery; one that nothing will deliver is marked failed. */
async function enqueue(
  deps: EmitDeps,
  jobId: string,
  eventId: string,
  type: WebhookEventType,
  delivery: DeliveryCopy,
): Promise<EmitResult> {
  try {
    await deps.queue.send(webhookDeliveryMessage(eventId, 1, 0, delivery), { contentType: "json" });
  } catch (error) {
    // Nothing will deliver it: say so in its status; POST /v1/jobs/{id}/webhooks/redeliver retries it.
    log("error", "webhook enqueue failed", { job_id: jobId, event_id: eventId, error: String(error) });
    await finishEventStatement(deps.db, eventId, "failed");
    return { emitted: true, eventId, type, status: "failed" };
  }
  return { emitted: true, eventId, type, status: "pending" };
}

/** What insertWebhookEventForChange returns of the row it inserted. */
export interface InsertedWebhookEvent {
  id: string;
  status: string;
  url: string;
  instanceId: string;
  projectId: string;
}

/** A state change's webhook, ready to be written in the change's own batch. */
export interface ChangeWebhook {
  eventId: string;
  type: WebhookEventType;
  body: string;
}

/**
 * The webhook of a change whose result the caller holds: `job` as the change leaves it, images
 * included, so nothing is read (insertWebhookEventForChange writes it with the change). Null when
 * the status has no event or the job's filter does not want it.
 */
export function changeWebhook(job: JobRow, at: number): ChangeWebhook | null {
  const type = eventForStatus(job.status);
  if (!type || !wantsEvent(job.webhookEvents, type)) return null;
  const body = buildWebhookBody(type, new Date(at), serializeJob(job));
  return { eventId: newId("msg"), type, body };
}

/** After the change's batch: sends what it inserted (nothing when the job had no URL). Never throws. */
export async function sendChangeWebhook(
  deps: EmitDeps,
  jobId: string,
  hook: ChangeWebhook,
  inserted: readonly InsertedWebhookEvent[],
): Promise<EmitResult> {
  const [row] = inserted;
  if (!row) return { emitted: false, reason: "no webhook url" };
  if (row.status === "gone") return { emitted: true, eventId: row.id, type: hook.type, status: "gone" };
  const delivery = {
    job_id: jobId,
    instance_id: row.instanceId,
    project_id: row.projectId,
    url: row.url,
    body: hook.body,
  };
  try {
    return await enqueue(deps, jobId, row.id, hook.type, delivery);
  } catch (error) {
    log("error", "webhook emit failed", { job_id: jobId, error: String(error) });
    return { emitted: false, reason: "error" };
  }
}

/** Emits the webhook of the job's current state, if any. Never throws: a webhook never fails a job. */
export async function emitWebhookForJob(deps: EmitDeps, jobId: string): Promise<EmitResult> {
  try {
    return await emit(deps, jobId);
  } catch (error) {
    log("error", "webhook emit failed", { job_id: jobId, error: String(error) });
    return { emitted: false, reason: "error" };
  }
}
