// Snapshots: a workflow's jobs at one version (which jobs, their requests, how each ended), kept to
// look back at and to re-run from. The list of jobs is one JSON object in R2 (a few hundred prompts
// can pass D1's row size); the D1 row is the index: id, workflow, version, counts.
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import type { JobRow } from "../db/queries/jobs";
import { jobs, workflowSnapshots } from "../db/schema";
import { newId } from "../ids";
import { workflowStateOf } from "./object";
import type { WorkflowSnapshotJob } from "./snapshot-job";
import type { WorkflowRow } from "./submit";

export type { WorkflowSnapshotJob } from "./snapshot-job";
export type WorkflowSnapshotRow = typeof workflowSnapshots.$inferSelect;

export interface WorkflowSnapshot extends WorkflowSnapshotRow {
  jobs: WorkflowSnapshotJob[];
}

/** The failed outcomes a re-run submits again (a canceled job was stopped on purpose). */
export const RERUN_STATUSES = ["failed", "dead_lettered"] as const;

export function snapshotKey(workflowId: string, snapshotId: string): string {
  return `workflows/${workflowId}/snapshots/${snapshotId}.json`;
}

export function snapshotJob(row: JobRow): WorkflowSnapshotJob {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    request:
      row.deletedAt === null
        ? {
            input: row.input as unknown as Record<string, unknown>,
            provider: row.requestedProvider,
            metadata: row.metadata,
            webhookUrl: row.webhookUrl,
            webhookEvents: row.webhookEvents,
            fallbackProviders: row.fallbackProviders,
          }
        : null,
    outcome: {
      provider: row.provider,
      errorCode: row.errorCode,
      errorMessage: row.errorMessage,
      costUsd: row.costUsd,
      images: row.images?.length ?? 0,
      completedAt: row.completedAt,
    },
  };
}

export async function takeSnapshot(
  deps: { db: Db; bucket: R2Bucket; states: unknown; now: number },
  workflow: WorkflowRow,
): Promise<WorkflowSnapshot> {
  const rows = await deps.db
    .select()
    .from(jobs)
    .where(eq(jobs.workflowId, workflow.id))
    .orderBy(asc(jobs.createdAt), asc(jobs.id))
    .all();
  // The object catches up with what D1 says (a lost notification, an add cut short), so the
  // snapshot's version is one whose counts match its list.
  const tracked = rows.map((row) => ({ jobId: row.id, status: row.status, version: row.version }));
  const view = await workflowStateOf(deps.states, workflow.id).reconcile(tracked);
  const list = rows.map(snapshotJob);
  const row: WorkflowSnapshotRow = {
    id: newId("wfs"),
    workflowId: workflow.id,
    version: view?.version ?? 0,
    jobCount: list.length,
    failedCount: list.filter((j) => (RERUN_STATUSES as readonly string[]).includes(j.status)).length,
    createdAt: deps.now,
  };
  await deps.bucket.put(snapshotKey(workflow.id, row.id), JSON.stringify(list), {
    httpMetadata: { contentType: "application/json" },
  });
  await deps.db.insert(workflowSnapshots).values(row);
  return { ...row, jobs: list };
}

/** A snapshot of this workflow, with its jobs; null when there is none by that id (or its object is gone). */
export async function getSnapshot(
  deps: { db: Db; bucket: R2Bucket },
  workflow: WorkflowRow,
  snapshotId: string,
): Promise<WorkflowSnapshot | null> {
  const row = await deps.db
    .select()
    .from(workflowSnapshots)
    .where(and(eq(workflowSnapshots.id, snapshotId), eq(workflowSnapshots.workflowId, workflow.id)))
    .get();
  if (!row) return null;
  const object = await deps.bucket.get(snapshotKey(workflow.id, row.id));
  if (!object) return null;
  return { ...row, jobs: (await object.json()) as WorkflowSnapshotJob[] };
}
