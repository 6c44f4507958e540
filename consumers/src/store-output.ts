// Where a text job's output lives: on the job row when short (one read serves GET), in R2 beside
// the images' prefix when long, so a row stays small whatever max_tokens allows.
import type { JobRow } from "../../shared/db/queries/jobs";
import type { JobOutput } from "../../shared/db/schema";
import type { TextResult } from "../../shared/providers/types";

/** Outputs up to this many UTF-8 bytes stay on the row. */
export const INLINE_OUTPUT_MAX_BYTES = 16 * 1024;

export function outputKey(job: Pick<JobRow, "instanceId" | "projectId" | "id">): string {
  return `${job.instanceId}/${job.projectId}/${job.id}/output.txt`;
}

export async function storeOutput(
  bucket: R2Bucket,
  job: Pick<JobRow, "instanceId" | "projectId" | "id">,
  provider: string,
  result: TextResult,
): Promise<JobOutput> {
  const bytes = new TextEncoder().encode(result.text);
  const common = {
    chars: result.text.length,
    bytes: bytes.byteLength,
    finishReason: result.finishReason,
    usage: result.usage,
  };
  if (bytes.byteLength <= INLINE_OUTPUT_MAX_BYTES) return { text: result.text, r2Key: null, ...common };
  const key = outputKey(job);
  await bucket.put(key, bytes, {
    httpMetadata: { contentType: "text/plain; charset=utf-8" },
    customMetadata: { job_id: job.id, provider },
  });
  return { text: null, r2Key: key, ...common };
}
