// GET /v1/jobs/{id}/webhooks of an archived job: its webhook events left D1 with it (archive.ts)
// and are read back from its archive line, in the order and shape the live list has.
import type { Db } from "../db/client";
import { getJobForInstance, type JobScope } from "../db/queries/jobs";
import { serializeWebhookEvent } from "../webhooks/deliveries";
import type { WebhookEventList } from "../webhooks/schemas";
import type { ArchiveReader } from "./archive-format";
import { archivedLineOf } from "./archive-read";

/** The archived job's webhook list, or null when the job is not archived (or not the caller's). */
export async function archivedJobWebhooks(
  db: Db,
  bucket: ArchiveReader,
  scope: string | JobScope,
  jobId: string,
): Promise<WebhookEventList | null> {
  const job = await getJobForInstance(db, scope, jobId);
  const line = job ? await archivedLineOf(bucket, job) : null;
  if (!job || !line) return null;
  // As listJobWebhooks: newest first, and only the job's own project's copy of a budget event.
  const events = line.webhook_events
    .filter((e) => e.projectId === job.projectId)
    .sort((a, b) => b.jobVersion - a.jobVersion || b.createdAt - a.createdAt);
  return { object: "list", job_id: job.id, data: events.map(serializeWebhookEvent) };
}
