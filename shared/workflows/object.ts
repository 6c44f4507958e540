// The WorkflowState object's RPC surface (consumers/src/workflow-state.ts), for callers in either
// Worker: the producer's binding names the consumer's class by script_name, so its generated type
// is untyped. Plain types and one pure rule; no runtime imports, so both bundles can take it.
import type { JobStatus } from "../jobs/enums";
import { terminalStatuses } from "../jobs/enums";

/** What the object keeps of its workflow's D1 row, so a completion needs no read of it. */
export interface WorkflowMeta {
  workflowId: string;
  instanceId: string;
  projectId: string;
  name: string;
  metadata: Record<string, string> | null;
  webhookUrl: string | null;
}

/** A job as the object tracks it: its status at its newest version. */
export interface TrackedJob {
  jobId: string;
  status: JobStatus;
  /** The job's version (jobs.version) this status is from: an older notification changes nothing. */
  version: number;
}

export const workflowVersionTypes = ["created", "jobs_added", "job_ended", "job_reopened"] as const;
export type WorkflowVersionType = (typeof workflowVersionTypes)[number];

export type StatusCounts = Record<JobStatus, number>;

/** What a version's `data` may hold: JSON, so it passes RPC and storage as is. */
export type VersionData = { [key: string]: string | number | boolean | null | Record<string, string> };

/** One numbered version of the workflow: what changed, and the state it left. */
export interface WorkflowVersion {
  version: number;
  type: WorkflowVersionType;
  jobIds: string[];
  /** e.g. the status a job ended with, or the snapshot a re-run came from. */
  data: VersionData | null;
  counts: StatusCounts;
  total: number;
  done: boolean;
  createdAt: number;
}

export interface WorkflowView {
  version: number;
  counts: StatusCounts;
  total: number;
  done: boolean;
  /** When the newest completion happened (null while not done). */
  completedAt: number | null;
  updatedAt: number;
}

export interface JobChangeAnswer {
  /** The workflow version this change made; null when it made none (not an ending, or old news). */
  version: number | null;
  done: boolean;
  /** True only for the change that completed the workflow (its webhook was sent with it). */
  completed: boolean;
}

export interface WorkflowStateObject {
  /** Once, when the workflow is created: its meta and its first jobs (version 1, `created`). */
  open(meta: WorkflowMeta, jobs: TrackedJob[], data: VersionData | null): Promise<WorkflowView>;
  /** Jobs added later (POST .../jobs, a re-run): one `jobs_added` version. */
  addJobs(jobs: TrackedJob[], data: VersionData | null): Promise<WorkflowView>;
  /** One of its jobs changed state (shared/workflows/notify.ts): an ending is a `job_ended` version, a replay `job_reopened`. */
  jobChanged(job: TrackedJob): Promise<JobChangeAnswer>;
  /**
   * The jobs as D1 has them (a snapshot reads them anyway): each newer status is applied as a
   * notification would have been, and a job never added is added, so a lost notification or a
   * creation cut short is repaired. Null when the object was never opened.
   */
  reconcile(jobs: TrackedJob[]): Promise<WorkflowView | null>;
  view(): Promise<WorkflowView | null>;
  /** Versions after `after`, oldest first, at most `limit`. */
  history(after: number, limit: number): Promise<WorkflowVersion[]>;
  /** As `history`, but waits (at most `timeoutMs`, capped) for a version after `after` if none is there yet. */
  next(after: number, timeoutMs: number): Promise<WorkflowVersion[]>;
}

/** The longest `next` waits in the object: a stream asks again (and sends a keep-alive) after it. */
export const MAX_NEXT_WAIT_MS = 25_000;

export type WorkflowStateNamespace = DurableObjectNamespace<WorkflowStateObject & Rpc.DurableObjectBranded>;

export function workflowStateOf(
  namespace: unknown,
  workflowId: string,
): DurableObjectStub<WorkflowStateObject & Rpc.DurableObjectBranded> {
  return (namespace as WorkflowStateNamespace).getByName(`workflow:${workflowId}`);
}

export function isTerminal(status: JobStatus): boolean {
  return terminalStatuses.includes(status);
}

/**
 * Done: it has jobs, every one has ended, and none is still on its way in (a job whose ending
 * arrived before its `addJobs`, `pending` here, is not yet counted as part of the workflow).
 */
export function isDone(counts: StatusCounts, pending: number): boolean {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const open = counts.queued + counts.running;
  return total > 0 && open === 0 && pending === 0;
}
