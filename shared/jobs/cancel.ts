// Canceling a job from the API. A queued job ends `canceled` at once; a running job only gets
// `cancel_requested_at` (the consumer ends it `canceled` unless the provider already answered);
// an ended job cannot be canceled. The job may change state between our read and our write
// (queued -> running when a consumer claims it), so the conditional transitions are tried in
// order and the job is read again whenever neither applied.
import { isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { getJobForInstance, type JobRow } from "../db/queries/jobs";
import { jobs } from "../db/schema";
import { ApiError } from "../errors";
import { terminalStatuses } from "./enums";
import { transition } from "./transitions";

/** Enough for any real interleaving: each round means the job changed state under us. */
const MAX_ROUNDS = 5;

export interface CancelDeps {
  db: Db;
  now: () => number;
}

export async function cancelJob(
  deps: CancelDeps,
  principal: { instanceId: string; projectId: string | null; keyId: string },
  jobId: string,
): Promise<JobRow> {
  const { db } = deps;
  let job = await getJobForInstance(db, principal, jobId);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (!job) throw new ApiError("job_not_found", `No job ${jobId}`);
    if (terminalStatuses.includes(job.status)) {
      throw new ApiError("job_not_cancelable", `Job ${jobId} has already ended (${job.status})`);
    }
    // A running job whose cancel was already requested: nothing more to do (idempotent).
    if (job.status === "running" && job.cancelRequestedAt !== null) return job;

    const now = deps.now();
    const canceled = await transition(db, {
      jobId,
      from: ["queued"],
      event: "canceled",
      set: { completedAt: now, cancelRequestedAt: job.cancelRequestedAt ?? now },
      data: { canceled_by: principal.keyId },
      now,
    });
    if (!canceled.applied) {
      const requested = await transition(db, {
        jobId,
        event: "cancel_requested",
        where: isNull(jobs.cancelRequestedAt),
        set: { cancelRequestedAt: now },
        data: { requested_by: principal.keyId },
        now,
      });
      if (!requested.applied) {
        job = await getJobForInstance(db, principal, jobId);
        continue;
      }
    }
    const updated = await getJobForInstance(db, principal, jobId);
    if (!updated) throw new ApiError("job_not_found", `No job ${jobId}`);
    return updated;
  }
  throw new ApiError("service_unavailable", `Job ${jobId} kept changing state; try again`);
}
