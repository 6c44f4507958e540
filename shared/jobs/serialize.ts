// Renders job rows as the API (and, later, webhook payloads) shows them.
import type { JobEvent, JobRow } from "../db/queries/jobs";
import type { Job } from "./schemas";
import type { SignedImageUrls } from "../images/job-urls";
import { isoTime, isoTimeOrNull } from "../time";

export function imagePath(jobId: string, index: number): string {
  return `/v1/jobs/${jobId}/images/${index}`;
}

export function outputPath(jobId: string): string {
  return `/v1/jobs/${jobId}/output`;
}

function textOf(row: JobRow) {
  const out = row.output;
  if (!out) return { text: null, usage: null };
  const usage = out.usage
    ? {
        input_tokens: out.usage.inputTokens,
        output_tokens: out.usage.outputTokens,
        total_tokens: out.usage.totalTokens,
      }
    : null;
  const text = {
    content: out.text,
    url: outputPath(row.id),
    chars: out.chars,
    bytes: out.bytes,
    finish_reason: out.finishReason,
  };
  return { text, usage };
}

/** `signed`: the images' signed URLs (shared/images/job-urls.ts); without them `signed_url` is null. */
export function serializeJob(row: JobRow, signed?: SignedImageUrls): Job {
  return {
    id: row.id,
    object: "job",
    type: row.type,
    status: row.status,
    provider: row.provider ?? row.requestedProvider,
    project_id: row.projectId,
    workflow_id: row.workflowId ?? null,
    attempts: row.attempts,
    // A tombstone (deleted, or archived: jobs/archive.ts) keeps `{}` in the NOT NULL column: shown
    // as null, never as a half input. GET reads an archived job back whole (archive-read.ts).
    input: row.deletedAt === null && row.archivedAt === null ? row.input : null,
    metadata: row.metadata ?? null,
    fallback_providers: row.fallbackProviders ?? null,
    webhook_url: row.webhookUrl,
    webhook_events: row.webhookEvents ?? null,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? row.errorCode } : null,
    result:
      row.status === "succeeded"
        ? {
            images: (row.images ?? []).map((img) => {
              const link = signed?.get(img.index);
              return {
                url: imagePath(row.id, img.index),
                signed_url: link?.url ?? null,
                signed_url_expires_at: link ? isoTime(link.expiresAt * 1000) : null,
                content_type: img.contentType,
                width: img.width,
                height: img.height,
                bytes: img.bytes,
                seed: img.seed,
              };
            }),
            model: row.model,
            revised_prompt: row.revisedPrompt,
            cost_usd: row.costUsd,
            ...textOf(row),
          }
        : null,
    cancel_requested: row.cancelRequestedAt !== null,
    request_id: row.requestId,
    created_at: isoTime(row.createdAt),
    started_at: isoTimeOrNull(row.startedAt),
    completed_at: isoTimeOrNull(row.completedAt),
    images_removed_at: isoTimeOrNull(row.imagesRemovedAt),
    deleted_at: isoTimeOrNull(row.deletedAt),
  };
}

export function serializeEvent(row: JobEvent) {
  return {
    version: row.version,
    type: row.type,
    status: row.status,
    data: row.data ?? null,
    created_at: isoTime(row.createdAt),
  };
}
