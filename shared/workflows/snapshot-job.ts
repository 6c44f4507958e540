// One job as a workflow snapshot records it: enough to say what it was asked, how it ended, and to
// submit it again (a re-run). Plain types: the D1 column (db/schema.ts) and the API share them.
import type { JobStatus, JobType } from "../jobs/enums";

export interface WorkflowSnapshotJob {
  id: string;
  type: JobType;
  status: JobStatus;
  /** The job's request as POST /v1/jobs took it (null for a deleted job: its input is gone). */
  request: {
    input: Record<string, unknown>;
    provider: string | null;
    metadata: Record<string, string> | null;
    webhookUrl: string | null;
    webhookEvents: string[] | null;
    fallbackProviders: string[] | null;
  } | null;
  outcome: {
    provider: string | null;
    errorCode: string | null;
    errorMessage: string | null;
    costUsd: number | null;
    images: number;
    completedAt: number | null;
  };
}
