// What processing one job needs, in its own module so the steps of a job (process-job.ts,
// on-provider-error.ts, provider-keys.ts) can share it without importing each other.
import type { ConsumerConfig } from "../../shared/config";
import type { Db } from "../../shared/db/client";
import type { JobRow } from "../../shared/db/queries/jobs";

export interface JobDeps {
  env: ConsumerEnv;
  db: Db;
  config: ConsumerConfig;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** The job as read for the whole queue batch (one statement for all its messages), if it was. */
  preloaded?: JobRow | null;
}
