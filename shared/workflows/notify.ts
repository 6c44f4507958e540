// Tells a job's workflow that the job changed state. Called after every job state change (from
// shared/jobs/announce.ts) with the row the change returned: a job outside a workflow returns at
// once, with no object request and no statement, so it costs nothing. Never throws: a lost
// notification leaves the workflow's counts behind, it never fails the job.
import type { JobStatus } from "../jobs/enums";
import { type JobChangeAnswer, workflowStateOf } from "./object";
import { log } from "../observability/log";

export interface NotifiableJob {
  id: string;
  status: JobStatus;
  version: number;
  workflowId: string | null;
}

export async function notifyWorkflow(
  namespace: unknown,
  job: NotifiableJob,
): Promise<JobChangeAnswer | null> {
  if (!job.workflowId || !namespace) return null;
  try {
    return await workflowStateOf(namespace, job.workflowId).jobChanged({
      jobId: job.id,
      status: job.status,
      version: job.version,
    });
  } catch (error) {
    log("error", "workflow notification failed", {
      job_id: job.id,
      workflow_id: job.workflowId,
      error: String(error),
    });
    return null;
  }
}
