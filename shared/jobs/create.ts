// Accepting a job: the row and its first event are written (with the Idempotency-Key's recorded
// answer, in one batch), then the message is sent. If the send fails the rows are removed again,
// so a client never holds a job id that will not run.
import type { Db } from "../db/client";
import type { Principal } from "../db/queries/api-keys";
import { projectOfInstance } from "../db/queries/projects";
import { jobs } from "../db/schema";
import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";

import { type BudgetGate, releaseForJob, reserveForJob } from "../budgets/enqueue";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { isProviderName, runsJobType } from "../providers/registry";
import { isProviderStrategy } from "../providers/selection";
import { checkWebhookUrl } from "../webhooks/url-safety";
import { type JobMessage, jobMessage } from "./message";
import type { CreateJobBody } from "./schemas";
import { newJobRow } from "./transitions";
import type { JobRow } from "../db/queries/jobs";
import { log } from "../observability/log";

export interface CreateJobDeps {
  db: Db;
  /**
   * Statements written in the same D1 batch as the job row (the Idempotency-Key's recorded
   * answer), so the job and its record exist together or not at all; removed with it when the
   * queue refuses the message.
   */
  alongWith?: {
    record(row: JobRow): BatchItem<"sqlite">;
    undo(): BatchItem<"sqlite">;
  };
  /** Local development may send webhooks to http://localhost; nothing else may (SSRF). */
  allowLocalWebhooks: boolean;
  queue: Queue<JobMessage>;
  now: number;
  requestId: string;
  /** Only for an instance with a monthly budget: the job's estimate is reserved before it is written. */
  budget?: BudgetGate;
  /** The workflow the job joins (shared/workflows/); its object is told by the caller. */
  workflowId?: string;
  /** The workflow's priority, carried in the queue message for pacing (consumers/src/pacing.ts). */
  priority?: number;
}

export async function resolveProject(db: Db, principal: Principal, requested?: string): Promise<string> {
  if (principal.projectId) {
    if (requested && requested !== principal.projectId) {
      throw new ApiError("validation_failed", "project_id does not match the API key's project", [
        { path: "project_id", message: "must be the key's own project or omitted" },
      ]);
    }
    return principal.projectId;
  }
  const project = requested ? await projectOfInstance(db, requested, principal.instanceId) : null;
  if (!requested || !project) {
    throw new ApiError("validation_failed", "An instance-wide key must name a project of its instance", [
      { path: "project_id", message: requested ? "unknown project" : "required for this key" },
    ]);
  }
  if (project.archived)
    throw new ApiError("archived", `Project ${requested} is archived: it takes no new jobs`);
  return requested;
}

/** A named provider (or fallback) must run the job's type; strategies rank image providers only. */
function checkProvidersRun(body: CreateJobBody): void {
  const issues: { path: string; message: string }[] = [];
  const check = (name: string | undefined, path: string) => {
    if (name === undefined) return;
    if (isProviderStrategy(name)) {
      if (body.type !== "image.generate")
        issues.push({ path, message: `${name} chooses among image providers only` });
    } else if (isProviderName(name) && !runsJobType(name, body.type)) {
      issues.push({ path, message: `${name} does not run ${body.type} jobs` });
    }
  };
  check(body.provider, "provider");
  for (const [i, name] of (body.fallback_providers ?? []).entries()) check(name, `fallback_providers.${i}`);
  if (issues.length > 0)
    throw new ApiError("validation_failed", `The provider cannot run a ${body.type} job`, issues);
}

export async function createJob(
  deps: CreateJobDeps,
  principal: Principal,
  body: CreateJobBody,
): Promise<JobRow> {
  const { db, now, requestId } = deps;
  const projectId = await resolveProject(db, principal, body.project_id);
  if (body.webhook_url) {
    const check = checkWebhookUrl(body.webhook_url, { allowLocalhost: deps.allowLocalWebhooks });
    if (!check.ok) {
      throw new ApiError("webhook_url_invalid", check.message, [
        { path: "webhook_url", message: check.code },
      ]);
    }
  }
  checkProvidersRun(body);
  const jobId = newId("job");
  const held = { id: jobId, instanceId: principal.instanceId, projectId };
  if (deps.budget) await reserveForJob(deps.budget, held, body);
  // A job that is not enqueued after all gives its estimate back (the reservation would expire anyway).
  const unreserve = () => (deps.budget ? releaseForJob(deps.budget, held).catch(() => undefined) : undefined);
  const row: JobRow = newJobRow(
    {
      id: jobId,
      instanceId: principal.instanceId,
      projectId,
      apiKeyId: principal.keyId,
      type: body.type,
      status: "queued" as const,
      requestedProvider: body.provider ?? null,
      input: body.input,
      metadata: body.metadata ?? null,
      webhookUrl: body.webhook_url ?? null,
      webhookEvents: body.webhook_events ?? null,
      fallbackProviders: body.fallback_providers ?? null,
      requestId,
      provider: null,
      attempts: 0,
      transitionToken: null,
      leaseToken: null,
      leaseExpiresAt: null,
      cancelRequestedAt: null,
      resendDueAt: null,
      errorCode: null,
      errorMessage: null,
      model: null,
      revisedPrompt: null,
      costUsd: null,
      images: null,
      output: null,
      imagesRemovedAt: null,
      deletedAt: null,
      archivedAt: null,
      archiveKey: null,
      archiveOffset: null,
      archiveLength: null,
      watchedUntil: null,
      workflowId: deps.workflowId ?? null,
      createdAt: now,
      startedAt: null,
      completedAt: null,
      updatedAt: now,
    },
    { request_id: requestId },
  );
  const insert = db.insert(jobs).values(row);
  try {
    if (deps.alongWith) await db.batch([insert, deps.alongWith.record(row)]);
    else await insert;
  } catch (error) {
    await unreserve();
    throw error;
  }
  try {
    await deps.queue.send(
      jobMessage({
        job_id: row.id,
        instance_id: row.instanceId,
        project_id: projectId,
        request_id: requestId,
        priority: deps.priority,
      }),
      { contentType: "json" },
    );
  } catch (error) {
    log("error", "enqueue failed", { job_id: row.id, request_id: requestId, error: String(error) });
    const remove = db.delete(jobs).where(eq(jobs.id, row.id));
    if (deps.alongWith) await db.batch([remove, deps.alongWith.undo()]);
    else await remove;
    await unreserve();
    throw new ApiError("queue_unavailable");
  }
  return row;
}
