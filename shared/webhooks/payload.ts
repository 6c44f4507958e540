// Webhook event types and the JSON body (Standard Webhooks' recommended `{type, timestamp, data}`).
import type { JobStatus } from "../jobs/enums";

export const webhookEventTypes = [
  "job.started",
  "job.succeeded",
  "job.failed",
  "job.dead_lettered",
  "job.canceled",
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** Terminal outcomes only: job.started doubles the traffic and few receivers need it, so it is opt-in. */
export const defaultWebhookEvents: readonly WebhookEventType[] = webhookEventTypes.filter(
  (t) => t !== "job.started",
);

const EVENT_FOR_STATUS: Partial<Record<JobStatus, WebhookEventType>> = {
  running: "job.started",
  succeeded: "job.succeeded",
  failed: "job.failed",
  dead_lettered: "job.dead_lettered",
  canceled: "job.canceled",
};

/** The event a transition into `status` emits; null for statuses nobody is notified about (queued). */
export function eventForStatus(status: JobStatus): WebhookEventType | null {
  return EVENT_FOR_STATUS[status] ?? null;
}

/** Serialised once: the string signed is the string sent. */
export function buildWebhookBody(type: WebhookEventType, timestamp: Date, job: unknown): string {
  return JSON.stringify({ type, timestamp: timestamp.toISOString(), data: job });
}

/** `null` = no filter configured, so the defaults apply; an explicit list (even empty) is taken as is. */
export function wantsEvent(filter: readonly string[] | null, type: WebhookEventType): boolean {
  return (filter ?? defaultWebhookEvents).includes(type);
}
