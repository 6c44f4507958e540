// Creating a workflow and adding jobs to it. Every job goes through createJob (shared/jobs/create.ts),
// so validation, tenancy, budgets and the queue are exactly POST /v1/jobs's; it only carries the
// workflow id. The object hears of the jobs after they are written: one whose ending comes first
// is held as pending there (consumers/src/workflow-state.ts), so the workflow cannot complete early.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Principal } from "../db/queries/api-keys";
import type { JobRow } from "../db/queries/jobs";
import { jobs, workflows } from "../db/schema";
import { ApiError, type ErrorCode } from "../errors";
import { newId } from "../ids";
import { type CreateJobDeps, createJob, resolveProject } from "../jobs/create";
import type { CreateJobBody } from "../jobs/schemas";
import { checkWebhookUrl } from "../webhooks/url-safety";
import { type TrackedJob, type VersionData, type WorkflowView, workflowStateOf } from "./object";

export type WorkflowRow = typeof workflows.$inferSelect;

/** Jobs per request (one subrequest or two each) and per workflow (a snapshot lists them all). */
export const MAX_JOBS_PER_REQUEST = 100;
export const MAX_JOBS_PER_WORKFLOW = 1000;
/** Jobs written at once: a Worker keeps at most 6 connections open. */
const PARALLEL = 6;

export interface WorkflowDeps extends Omit<CreateJobDeps, "alongWith" | "workflowId"> {
  /** The WorkflowState objects (the WORKFLOW_STATE binding). */
  states: unknown;
}

export interface CreateWorkflowInput {
  name: string;
  priority?: number;
  metadata?: Record<string, string>;
  webhook_url?: string;
  project_id?: string;
  jobs?: CreateJobBody[];
}

/** An item that was not created, by its index in the request, with the error POST /v1/jobs would give. */
export interface Rejected {
  index: number;
  code: ErrorCode;
  detail: string;
}

export interface Submission {
  workflow: WorkflowRow;
  view: WorkflowView;
  jobs: JobRow[];
  rejected: Rejected[];
}

export async function createWorkflow(
  deps: WorkflowDeps,
  principal: Principal,
  body: CreateWorkflowInput,
): Promise<Submission> {
  const projectId = await resolveProject(deps.db, principal, body.project_id);
  if (body.webhook_url) {
    const check = checkWebhookUrl(body.webhook_url, { allowLocalhost: deps.allowLocalWebhooks });
    if (!check.ok) {
      throw new ApiError("webhook_url_invalid", check.message, [
        { path: "webhook_url", message: check.code },
      ]);
    }
  }
  const items = sameProject(body.jobs ?? [], projectId);
  const workflow: WorkflowRow = {
    id: newId("wf"),
    instanceId: principal.instanceId,
    projectId,
    apiKeyId: principal.keyId,
    name: body.name,
    priority: body.priority ?? 0,
    metadata: body.metadata ?? null,
    webhookUrl: body.webhook_url ?? null,
    requestId: deps.requestId,
    createdAt: deps.now,
  };
  await deps.db.insert(workflows).values(workflow);
  const { created, rejected } = await submitJobs(deps, principal, workflow, items);
  const meta = {
    workflowId: workflow.id,
    instanceId: workflow.instanceId,
    projectId,
    name: workflow.name,
    metadata: workflow.metadata,
    webhookUrl: workflow.webhookUrl,
  };
  const view = await workflowStateOf(deps.states, workflow.id).open(meta, created.map(tracked), null);
  return { workflow, view, jobs: created, rejected };
}

/** POST /v1/workflows/{id}/jobs and re-runs: `data` goes into the `jobs_added` version. */
export async function addWorkflowJobs(
  deps: WorkflowDeps,
  principal: Principal,
  workflow: WorkflowRow,
  bodies: CreateJobBody[],
  data: (created: JobRow[], rejected: Rejected[]) => VersionData | null = () => null,
): Promise<Submission> {
  const items = sameProject(bodies, workflow.projectId);
  const state = workflowStateOf(deps.states, workflow.id);
  const before = await countJobs(deps.db, workflow.id);
  if (before + items.length > MAX_JOBS_PER_WORKFLOW) {
    throw new ApiError("validation_failed", `A workflow holds at most ${MAX_JOBS_PER_WORKFLOW} jobs`, [
      { path: "jobs", message: `${before} already, ${items.length} more would pass the limit` },
    ]);
  }
  const { created, rejected } = await submitJobs(deps, principal, workflow, items);
  const view =
    created.length > 0
      ? await state.addJobs(created.map(tracked), data(created, rejected))
      : await state.view();
  if (!view) throw new Error(`workflow ${workflow.id} has no state object`);
  return { workflow, view, jobs: created, rejected };
}

/** A workflow as its tenant sees it: another instance's (or project's, for a project key) is absent. */
export async function getWorkflowForScope(
  db: Db,
  scope: { instanceId: string; projectId: string | null },
  id: string,
): Promise<WorkflowRow | null> {
  const conditions = [eq(workflows.id, id), eq(workflows.instanceId, scope.instanceId)];
  if (scope.projectId) conditions.push(eq(workflows.projectId, scope.projectId));
  return (
    (await db
      .select()
      .from(workflows)
      .where(and(...conditions))
      .get()) ?? null
  );
}

async function countJobs(db: Db, workflowId: string): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(jobs)
    .where(and(eq(jobs.workflowId, workflowId), isNull(jobs.deletedAt)))
    .get();
  return row?.n ?? 0;
}

/** Every job of a workflow is in the workflow's project: an item naming another is refused whole. */
function sameProject(items: CreateJobBody[], projectId: string): CreateJobBody[] {
  if (items.length > MAX_JOBS_PER_REQUEST) {
    throw new ApiError("validation_failed", `At most ${MAX_JOBS_PER_REQUEST} jobs per request`, [
      { path: "jobs", message: `${items.length} given` },
    ]);
  }
  const wrong = items.findIndex((item) => item.project_id !== undefined && item.project_id !== projectId);
  if (wrong >= 0) {
    throw new ApiError("validation_failed", "A workflow's jobs are in the workflow's project", [
      { path: `jobs.${wrong}.project_id`, message: "must be the workflow's project or omitted" },
    ]);
  }
  return items.map((item) => ({ ...item, project_id: projectId }));
}

/** Creates the jobs a few at a time; an item refused as POST /v1/jobs would refuse it is reported, not thrown. */
async function submitJobs(
  deps: WorkflowDeps,
  principal: Principal,
  workflow: WorkflowRow,
  items: CreateJobBody[],
): Promise<{ created: JobRow[]; rejected: Rejected[] }> {
  const results: (JobRow | Rejected)[] = new Array(items.length);
  const jobDeps: CreateJobDeps = { ...deps, workflowId: workflow.id, priority: workflow.priority };
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index] as CreateJobBody;
      try {
        results[index] = await createJob(jobDeps, principal, item);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        results[index] = { index, code: error.code, detail: error.detail ?? error.message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  const created = results.filter((r): r is JobRow => "id" in r);
  const rejected = results.filter((r): r is Rejected => !("id" in r));
  return { created, rejected };
}

function tracked(row: JobRow): TrackedJob {
  return { jobId: row.id, status: row.status, version: row.version };
}
