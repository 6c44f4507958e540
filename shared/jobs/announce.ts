// The one hook every job state change reaches: transition() (transitions.ts) calls it with the
// row its UPDATE … RETURNING left and the bindings its Db was made with (db/client.ts). It tells
// whoever follows the job. A job nobody follows costs nothing here: no object request, no statement.
import type { JobRow } from "../db/queries/jobs";
import { log } from "../observability/log";
import { notifyWorkflow } from "../workflows/notify";
import { isWatched, jobWatchOf } from "./watch";

/**
 * The Workers bindings a change may be announced to. Each is optional: a Db made without them
 * (scripts, tests) announces nothing. Either Worker's env fits as it is.
 */
export interface AnnounceBindings {
  /** JobWatch objects (consumers/src/job-watch.ts): a stream or a `Prefer: wait` follows the job. */
  JOB_WATCH?: unknown;
  /** WorkflowState objects (consumers/src/workflow-state.ts): only a job in a workflow reaches them. */
  WORKFLOW_STATE?: unknown;
}

/**
 * Announces the job's change to its watchers. Never throws: the change is already committed, and
 * a watcher that misses it still ends at its deadline (and a stream's client reconnects).
 */
export async function announceJobChange(bindings: AnnounceBindings, row: JobRow, now: number): Promise<void> {
  // A job outside a workflow (workflow_id null) makes no request here (notifyWorkflow never throws).
  if (bindings.WORKFLOW_STATE && row.workflowId) await notifyWorkflow(bindings.WORKFLOW_STATE, row);
  if (bindings.JOB_WATCH && isWatched(row, now)) {
    try {
      await jobWatchOf(bindings.JOB_WATCH, row.id).notify({
        jobId: row.id,
        status: row.status,
        version: row.version,
        events: row.events,
      });
    } catch (error) {
      log("warn", "job change not announced to its watchers", {
        job_id: row.id,
        version: row.version,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
