// One object per workflow (`workflow:{id}`): the status of each of its jobs and its numbered
// versions (a new one when jobs are added or one of them ends). It is told of its jobs' changes
// (shared/workflows/notify.ts) and is the one place that decides the workflow completed, so
// concurrent endings cannot both (or neither) send `workflow.completed`. Jobs outside a workflow
// never reach it. The D1 `workflows` row says who owns the workflow; this holds its live state.
import { DurableObject } from "cloudflare:workers";
import { wakeOrTimeout } from "./waiting";
import { createDb } from "../../shared/db/client";
import { jobStatuses, type JobStatus } from "../../shared/jobs/enums";
import {
  isDone,
  isTerminal,
  type JobChangeAnswer,
  MAX_NEXT_WAIT_MS,
  type StatusCounts,
  type TrackedJob,
  type VersionData,
  type WorkflowMeta,
  type WorkflowStateObject,
  type WorkflowVersion,
  type WorkflowVersionType,
  type WorkflowView,
} from "../../shared/workflows/object";
import { emitWorkflowCompleted } from "../../shared/workflows/webhook";
import type { WebhookDeliveryMessage } from "../../shared/webhooks/message";
import { log } from "./log";

/** What the object needs of its Worker (the producer's test copy runs it on the producer's bindings). */
interface WorkflowStateEnv {
  DB: D1Database;
  WEBHOOKS: Queue<WebhookDeliveryMessage>;
}

/** A completion whose webhook could not be written or enqueued yet: the alarm tries again. */
interface Unsent {
  version: number;
  jobId: string;
}

const RETRY_WEBHOOK_MS = 30_000;

type VersionRow = {
  version: number;
  type: string;
  job_ids: string;
  data: string | null;
  counts: string;
  total: number;
  done: number;
  created_at: number;
};

export class WorkflowState extends DurableObject<WorkflowStateEnv> implements WorkflowStateObject {
  /** Streams waiting in `next` for a new version: each one's wake-up. */
  private readonly waiters = new Set<() => void>();

  constructor(ctx: DurableObjectState, env: WorkflowStateEnv) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS jobs (
        job_id TEXT PRIMARY KEY, status TEXT NOT NULL, version INTEGER NOT NULL,
        added INTEGER NOT NULL)`);
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS versions (
        version INTEGER PRIMARY KEY, type TEXT NOT NULL, job_ids TEXT NOT NULL, data TEXT,
        counts TEXT NOT NULL, total INTEGER NOT NULL, done INTEGER NOT NULL, created_at INTEGER NOT NULL)`);
    });
  }

  async open(meta: WorkflowMeta, jobs: TrackedJob[], data: VersionData | null) {
    if (this.meta()) return this.currentView();
    this.ctx.storage.kv.put("meta", meta);
    return this.add("created", jobs, data);
  }

  async addJobs(jobs: TrackedJob[], data: VersionData | null) {
    return this.add("jobs_added", jobs, data);
  }

  async jobChanged(job: TrackedJob): Promise<JobChangeAnswer> {
    const sql = this.ctx.storage.sql;
    const known = sql
      .exec<{ status: string; version: number; added: number }>(
        "SELECT status, version, added FROM jobs WHERE job_id = ?",
        job.jobId,
      )
      .toArray()[0];
    const done = this.lastVersion()?.done === 1;
    // Its ending may arrive before the POST that added it has told us: held as pending until then.
    if (!known) {
      sql.exec("INSERT INTO jobs VALUES (?, ?, ?, 0)", job.jobId, job.status, job.version);
      return { version: null, done, completed: false };
    }
    if (known.version >= job.version) return { version: null, done, completed: false };
    sql.exec("UPDATE jobs SET status = ?, version = ? WHERE job_id = ?", job.status, job.version, job.jobId);
    const was = isTerminal(known.status as JobStatus);
    // Counted moves only: an ending, or an ended job run again (a dead letter replayed).
    const type =
      was === isTerminal(job.status) || known.added === 0 ? null : was ? "job_reopened" : "job_ended";
    if (!type) return { version: null, done, completed: false };
    const version = await this.append(type, [job.jobId], { status: job.status });
    return { version: version.version, done: version.done, completed: version.done && !done };
  }

  async reconcile(jobs: TrackedJob[]): Promise<WorkflowView | null> {
    if (!this.meta()) return null;
    const added = new Set(
      this.ctx.storage.sql
        .exec<{ job_id: string }>("SELECT job_id FROM jobs WHERE added = 1")
        .toArray()
        .map((r) => r.job_id),
    );
    // D1 names these jobs as the workflow's: one whose add never arrived is added now.
    const missing = jobs.filter((job) => !added.has(job.jobId));
    for (const job of jobs) if (added.has(job.jobId)) await this.jobChanged(job);
    if (missing.length > 0) await this.add("jobs_added", missing, { reconciled: true });
    return this.currentView();
  }

  async view(): Promise<WorkflowView | null> {
    return this.meta() ? this.currentView() : null;
  }

  async history(after: number, limit: number): Promise<WorkflowVersion[]> {
    return this.ctx.storage.sql
      .exec<VersionRow>("SELECT * FROM versions WHERE version > ? ORDER BY version LIMIT ?", after, limit)
      .toArray()
      .map(toVersion);
  }

  async next(after: number, timeoutMs: number): Promise<WorkflowVersion[]> {
    if ((this.lastVersion()?.version ?? 0) <= after) {
      const waitMs = Math.min(Math.max(timeoutMs, 0), MAX_NEXT_WAIT_MS);
      await wakeOrTimeout(waitMs, (wake) => {
        this.waiters.add(wake);
        return () => this.waiters.delete(wake);
      });
    }
    return this.history(after, 100);
  }

  /** Retries a completion webhook that could not be sent when the workflow completed. */
  override async alarm(): Promise<void> {
    const unsent = this.ctx.storage.kv.get<Unsent>("unsent");
    if (unsent) await this.sendCompletion(unsent);
  }

  private async add(type: WorkflowVersionType, jobs: TrackedJob[], data: VersionData | null) {
    for (const job of jobs) {
      // A job that reported before it was added keeps its newer status.
      this.ctx.storage.sql.exec(
        `INSERT INTO jobs VALUES (?, ?, ?, 1) ON CONFLICT(job_id) DO UPDATE SET added = 1,
           status = CASE WHEN excluded.version > jobs.version THEN excluded.status ELSE jobs.status END,
           version = max(jobs.version, excluded.version)`,
        job.jobId,
        job.status,
        job.version,
      );
    }
    await this.append(
      type,
      jobs.map((j) => j.jobId),
      data,
    );
    return this.currentView();
  }

  /** Numbers the change; the version that first finds every job ended completes the workflow. */
  private async append(type: WorkflowVersionType, jobIds: string[], data: VersionData | null) {
    const now = Date.now();
    const before = this.lastVersion();
    const { counts, total, pending } = this.tally();
    const done = isDone(counts, pending);
    const row: VersionRow = {
      version: (before?.version ?? 0) + 1,
      type,
      job_ids: JSON.stringify(jobIds),
      data: data ? JSON.stringify(data) : null,
      counts: JSON.stringify(counts),
      total,
      done: done ? 1 : 0,
      created_at: now,
    };
    this.ctx.storage.sql.exec(
      "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      row.version,
      row.type,
      row.job_ids,
      row.data,
      row.counts,
      row.total,
      row.done,
      row.created_at,
    );
    for (const wake of this.waiters) wake();
    if (done && before?.done !== 1) {
      this.ctx.storage.kv.put("completedAt", now);
      const jobId = jobIds.at(-1);
      if (jobId) await this.sendCompletion({ version: row.version, jobId });
    }
    return toVersion(row);
  }

  private async sendCompletion(unsent: Unsent): Promise<void> {
    const meta = this.meta();
    if (!meta) return;
    const view = this.currentView();
    try {
      const db = createDb(this.env.DB);
      const now = Date.now();
      // The view of the completing version: later changes (a job added since) are not reported as it.
      const at = this.versionAt(unsent.version);
      const completed = at ? { ...view, version: at.version, counts: at.counts, total: at.total } : view;
      await emitWorkflowCompleted({ db, queue: this.env.WEBHOOKS, now }, meta, completed, unsent.jobId);
      this.ctx.storage.kv.delete("unsent");
    } catch (error) {
      log("error", "workflow webhook not sent; retrying", {
        workflow_id: meta.workflowId,
        version: unsent.version,
        error: String(error),
      });
      this.ctx.storage.kv.put("unsent", unsent);
      await this.ctx.storage.setAlarm(Date.now() + RETRY_WEBHOOK_MS);
    }
  }

  private meta(): WorkflowMeta | undefined {
    return this.ctx.storage.kv.get<WorkflowMeta>("meta");
  }

  private lastVersion(): VersionRow | undefined {
    return this.ctx.storage.sql
      .exec<VersionRow>("SELECT * FROM versions ORDER BY version DESC LIMIT 1")
      .toArray()[0];
  }

  private versionAt(version: number): WorkflowVersion | undefined {
    const row = this.ctx.storage.sql
      .exec<VersionRow>("SELECT * FROM versions WHERE version = ?", version)
      .toArray()[0];
    return row ? toVersion(row) : undefined;
  }

  private tally(): { counts: StatusCounts; total: number; pending: number } {
    const counts = Object.fromEntries(jobStatuses.map((s) => [s, 0])) as StatusCounts;
    let total = 0;
    let pending = 0;
    const rows = this.ctx.storage.sql
      .exec<{ status: string; added: number; n: number }>(
        "SELECT status, added, count(*) AS n FROM jobs GROUP BY status, added",
      )
      .toArray();
    for (const row of rows) {
      if (row.added === 0) pending += row.n;
      else {
        counts[row.status as JobStatus] += row.n;
        total += row.n;
      }
    }
    return { counts, total, pending };
  }

  private currentView(): WorkflowView {
    const last = this.lastVersion();
    const { counts, total } = this.tally();
    const done = last?.done === 1;
    return {
      version: last?.version ?? 0,
      counts,
      total,
      done,
      completedAt: done ? (this.ctx.storage.kv.get<number>("completedAt") ?? null) : null,
      updatedAt: last?.created_at ?? 0,
    };
  }
}

function toVersion(row: VersionRow): WorkflowVersion {
  return {
    version: row.version,
    type: row.type as WorkflowVersionType,
    jobIds: JSON.parse(row.job_ids) as string[],
    data: row.data ? (JSON.parse(row.data) as VersionData) : null,
    counts: JSON.parse(row.counts) as StatusCounts,
    total: row.total,
    done: row.done === 1,
    createdAt: row.created_at,
  };
}
