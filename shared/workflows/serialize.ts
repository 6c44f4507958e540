// Renders workflows, their versions and snapshots as the API shows them.
import { jobStatuses } from "../jobs/enums";
import { isoTime, isoTimeOrNull } from "../time";
import type { StatusCounts, WorkflowVersion, WorkflowView } from "./object";
import type { WorkflowSnapshot } from "./snapshot";
import type { WorkflowRow } from "./submit";

const noJobs = (): StatusCounts => Object.fromEntries(jobStatuses.map((s) => [s, 0])) as StatusCounts;

/** `view` null: the object has not been opened (its creation failed half-way); shown as empty. */
export function serializeWorkflow(row: WorkflowRow, view: WorkflowView | null) {
  const total = view?.total ?? 0;
  const done = view?.done ?? false;
  return {
    id: row.id,
    object: "workflow" as const,
    name: row.name,
    project_id: row.projectId,
    priority: row.priority,
    metadata: row.metadata,
    webhook_url: row.webhookUrl,
    status: total === 0 ? ("empty" as const) : done ? ("done" as const) : ("active" as const),
    done,
    version: view?.version ?? 0,
    total,
    counts: view?.counts ?? noJobs(),
    request_id: row.requestId,
    created_at: isoTime(row.createdAt),
    updated_at: isoTime(view?.updatedAt || row.createdAt),
    completed_at: isoTimeOrNull(view?.completedAt ?? null),
  };
}

export function serializeVersion(v: WorkflowVersion) {
  return {
    version: v.version,
    type: v.type,
    job_ids: v.jobIds,
    data: v.data,
    counts: v.counts,
    total: v.total,
    done: v.done,
    created_at: isoTime(v.createdAt),
  };
}

export function serializeSnapshot(s: WorkflowSnapshot) {
  return {
    id: s.id,
    object: "workflow_snapshot" as const,
    workflow_id: s.workflowId,
    version: s.version,
    job_count: s.jobCount,
    failed_count: s.failedCount,
    created_at: isoTime(s.createdAt),
    jobs: s.jobs.map((j) => ({
      id: j.id,
      type: j.type,
      status: j.status,
      request: j.request && {
        input: j.request.input,
        provider: j.request.provider,
        metadata: j.request.metadata,
        webhook_url: j.request.webhookUrl,
        webhook_events: j.request.webhookEvents,
        fallback_providers: j.request.fallbackProviders,
      },
      outcome: {
        provider: j.outcome.provider,
        error: j.outcome.errorCode
          ? { code: j.outcome.errorCode, message: j.outcome.errorMessage ?? j.outcome.errorCode }
          : null,
        cost_usd: j.outcome.costUsd,
        images: j.outcome.images,
        completed_at: isoTimeOrNull(j.outcome.completedAt),
      },
    })),
  };
}
