// Reading a text job's output back: from the row when it is short, from R2 when it was long.
import type { JobRow } from "../db/queries/jobs";
import { ApiError } from "../errors";

export async function readJobOutput(bucket: Pick<R2Bucket, "get">, job: JobRow): Promise<string> {
  const out = job.status === "succeeded" && job.deletedAt === null ? job.output : null;
  if (!out) throw new ApiError("output_not_found", `Job ${job.id} has no text output`);
  if (out.text !== null) return out.text;
  const object = out.r2Key ? await bucket.get(out.r2Key) : null;
  if (!object) throw new ApiError("output_not_found", `Job ${job.id}'s output is no longer stored`);
  return object.text();
}
