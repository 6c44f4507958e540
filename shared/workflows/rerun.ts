// Re-running a workflow's failed jobs from a snapshot: each failed or dead-lettered job of the
// snapshot is submitted again, as a new job of the same workflow with the same request, through
// createJob like any other. The `jobs_added` version says which snapshot and which old job each
// new one replaces. The old jobs are left as they ended: history is not rewritten.
import { ApiError } from "../errors";
import { CreateJobBodySchema, type CreateJobBody } from "../jobs/schemas";
import type { Principal } from "../db/queries/api-keys";
import { RERUN_STATUSES, type WorkflowSnapshot } from "./snapshot";
import {
  addWorkflowJobs,
  type Rejected,
  type Submission,
  type WorkflowDeps,
  type WorkflowRow,
} from "./submit";

export interface Rerun extends Submission {
  snapshotId: string;
  /** New job id -> the snapshot's job it re-runs. */
  replaces: Record<string, string>;
  /** Failed jobs of the snapshot that cannot be submitted again (deleted since, or no longer valid). */
  skipped: { job_id: string; reason: string }[];
}

export async function rerunFailed(
  deps: WorkflowDeps,
  principal: Principal,
  workflow: WorkflowRow,
  snapshot: WorkflowSnapshot,
): Promise<Rerun> {
  const failed = snapshot.jobs.filter((job) => (RERUN_STATUSES as readonly string[]).includes(job.status));
  const bodies: CreateJobBody[] = [];
  const sources: string[] = [];
  const skipped: Rerun["skipped"] = [];
  for (const job of failed) {
    if (!job.request) {
      skipped.push({ job_id: job.id, reason: "deleted: its input is gone" });
      continue;
    }
    const { input, provider, metadata, webhookUrl, webhookEvents, fallbackProviders } = job.request;
    const parsed = CreateJobBodySchema.safeParse({
      type: job.type,
      input,
      ...(provider !== null && { provider }),
      ...(metadata !== null && { metadata }),
      ...(webhookUrl !== null && { webhook_url: webhookUrl }),
      ...(webhookEvents !== null && { webhook_events: webhookEvents }),
      ...(fallbackProviders !== null && { fallback_providers: fallbackProviders }),
    });
    if (!parsed.success) {
      skipped.push({
        job_id: job.id,
        reason: `no longer a valid request: ${parsed.error.issues[0]?.message}`,
      });
      continue;
    }
    bodies.push(parsed.data);
    sources.push(job.id);
  }
  if (failed.length === 0) {
    throw new ApiError("validation_failed", `Snapshot ${snapshot.id} has no failed jobs to re-run`, [
      { path: "snapshot_id", message: "no failed or dead-lettered job in it" },
    ]);
  }
  // Which new job re-runs which old one: submitJobs keeps the order of the request.
  const replacesOf = (created: Submission["jobs"], rejected: Rejected[]) => {
    const refused = new Set(rejected.map((r) => r.index));
    const kept = sources.filter((_, i) => !refused.has(i));
    return Object.fromEntries(created.map((row, i) => [row.id, kept[i] as string]));
  };
  let replaces: Record<string, string> = {};
  const submission = await addWorkflowJobs(deps, principal, workflow, bodies, (created, rejected) => {
    replaces = replacesOf(created, rejected);
    return { rerun_of_snapshot: snapshot.id, replaces };
  });
  return { ...submission, snapshotId: snapshot.id, replaces, skipped };
}
